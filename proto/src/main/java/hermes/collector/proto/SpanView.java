package hermes.collector.proto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One span of an OTLP trace request, as a reusable view over the request bytes. Scalars (ids,
 * times, kind, status code) are decoded; strings are decoded only when asked for.
 *
 * <p>Threading and lifetime: owned by one {@link TraceRequestReader}; valid only during {@link
 * TraceVisitor#span}. Ids are exposed as longs (big-endian, as on the wire) so consumers can key
 * maps without allocating.
 */
public final class SpanView {
  /** {@code STATUS_CODE_UNSET}. */
  public static final int STATUS_UNSET = 0;

  /** {@code STATUS_CODE_OK}. */
  public static final int STATUS_OK = 1;

  /** {@code STATUS_CODE_ERROR}. */
  public static final int STATUS_ERROR = 2;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final Attributes attributes;
  private byte[] buf = new byte[0];
  ResourceView resource;
  ScopeView scope;

  int offset;
  int length;
  int traceIdOffset;
  int traceIdLength;
  long traceIdHigh;
  long traceIdLow;
  int spanIdOffset;
  int spanIdLength;
  long spanId;
  int parentSpanIdOffset;
  int parentSpanIdLength;
  long parentSpanId;
  int traceStateOffset;
  int traceStateLength;
  int flags;
  int nameOffset;
  int nameLength;
  int kind;
  long startTimeUnixNano;
  long endTimeUnixNano;
  int droppedAttributesCount;
  int eventsCount;
  int droppedEventsCount;
  int linksCount;
  int droppedLinksCount;
  int statusCode;
  int statusMessageOffset;
  int statusMessageLength;

  SpanView(ReaderLimits limits) {
    attributes = new Attributes(limits.maxAttributesPerMessage(), limits.maxAttributeDepth());
  }

  void reset(byte[] buffer, int spanOffset, int spanLength) {
    buf = buffer;
    attributes.reset(buffer);
    offset = spanOffset;
    length = spanLength;
    traceIdOffset = traceIdLength = 0;
    traceIdHigh = traceIdLow = 0;
    spanIdOffset = spanIdLength = 0;
    spanId = 0;
    parentSpanIdOffset = parentSpanIdLength = 0;
    parentSpanId = 0;
    traceStateOffset = traceStateLength = 0;
    flags = 0;
    nameOffset = nameLength = 0;
    kind = 0;
    startTimeUnixNano = endTimeUnixNano = 0;
    droppedAttributesCount = eventsCount = droppedEventsCount = 0;
    linksCount = droppedLinksCount = 0;
    statusCode = 0;
    statusMessageOffset = statusMessageLength = 0;
  }

  /**
   * Why this span cannot be accepted, or null when it can: OTLP requires a 16-byte non-zero trace
   * id, an 8-byte non-zero span id, and a parent span id that is empty or 8 bytes.
   */
  public String invalidReason() {
    if (traceIdLength != 16 || (traceIdHigh == 0 && traceIdLow == 0)) {
      return "invalid trace_id: want 16 bytes, not all zero";
    }
    if (spanIdLength != 8 || spanId == 0) {
      return "invalid span_id: want 8 bytes, not all zero";
    }
    if (parentSpanIdLength != 0 && parentSpanIdLength != 8) {
      return "invalid parent_span_id: want empty or 8 bytes";
    }
    return null;
  }

  /** The resource this span belongs to. */
  public ResourceView resource() {
    return resource;
  }

  /** The instrumentation scope this span belongs to. */
  public ScopeView scope() {
    return scope;
  }

  /** The request buffer the offsets of this view index into. */
  public byte[] buffer() {
    return buf;
  }

  /** Offset of this span's serialized {@code Span} message in {@link #buffer()}. */
  public int offset() {
    return offset;
  }

  /** Length of this span's serialized {@code Span} message. */
  public int length() {
    return length;
  }

  /** High 8 bytes of the trace id (0 when the id is not 16 bytes). */
  public long traceIdHigh() {
    return traceIdHigh;
  }

  /** Low 8 bytes of the trace id (0 when the id is not 16 bytes). */
  public long traceIdLow() {
    return traceIdLow;
  }

  /** The span id (0 when it is not 8 bytes). */
  public long spanId() {
    return spanId;
  }

  /** The parent span id; 0 for a root span. */
  public long parentSpanId() {
    return parentSpanId;
  }

  /** Whether the span names a parent (a non-zero 8-byte parent span id). */
  public boolean hasParent() {
    return parentSpanIdLength == 8 && parentSpanId != 0;
  }

  /** The trace id as lower-case hex, as OTLP/JSON and Jaeger write it (allocates). */
  public String traceIdHex() {
    return hex(buf, traceIdOffset, traceIdLength);
  }

  /** The span id as lower-case hex (allocates). */
  public String spanIdHex() {
    return hex(buf, spanIdOffset, spanIdLength);
  }

  /** The parent span id as lower-case hex, empty for a root span (allocates). */
  public String parentSpanIdHex() {
    return hex(buf, parentSpanIdOffset, parentSpanIdLength);
  }

  /** The raw trace id bytes (allocates). */
  public byte[] traceIdBytes() {
    return Arrays.copyOfRange(buf, traceIdOffset, traceIdOffset + traceIdLength);
  }

  /** The W3C trace state (allocates). */
  public String traceState() {
    return string(traceStateOffset, traceStateLength);
  }

  /** The span's {@code flags} (W3C trace flags in the low byte). */
  public int flags() {
    return flags;
  }

  /** The span name (allocates). */
  public String name() {
    return string(nameOffset, nameLength);
  }

  /** Offset of the span name's UTF-8 bytes in {@link #buffer()}. */
  public int nameOffset() {
    return nameOffset;
  }

  /** Length of the span name's UTF-8 bytes. */
  public int nameLength() {
    return nameLength;
  }

  /** Whether the span name starts with the given UTF-8 bytes; allocates nothing. */
  public boolean nameStartsWith(byte[] utf8Prefix) {
    return nameLength >= utf8Prefix.length
        && Arrays.equals(
            buf, nameOffset, nameOffset + utf8Prefix.length, utf8Prefix, 0, utf8Prefix.length);
  }

  /** Whether the span name equals the given UTF-8 bytes; allocates nothing. */
  public boolean nameEquals(byte[] utf8) {
    return nameLength == utf8.length
        && Arrays.equals(buf, nameOffset, nameOffset + nameLength, utf8, 0, utf8.length);
  }

  /** The {@code SpanKind} number (0 unspecified, 1 internal, 2 server, 3 client, ...). */
  public int kind() {
    return kind;
  }

  /** Start time, nanoseconds since the epoch. */
  public long startTimeUnixNano() {
    return startTimeUnixNano;
  }

  /** End time, nanoseconds since the epoch. */
  public long endTimeUnixNano() {
    return endTimeUnixNano;
  }

  /** The span attributes. */
  public Attributes attributes() {
    return attributes;
  }

  /** The span's {@code dropped_attributes_count}. */
  public int droppedAttributesCount() {
    return droppedAttributesCount;
  }

  /** How many events the span carries. */
  public int eventsCount() {
    return eventsCount;
  }

  /** The span's {@code dropped_events_count}. */
  public int droppedEventsCount() {
    return droppedEventsCount;
  }

  /** How many links the span carries. */
  public int linksCount() {
    return linksCount;
  }

  /** The span's {@code dropped_links_count}. */
  public int droppedLinksCount() {
    return droppedLinksCount;
  }

  /** The status code: {@link #STATUS_UNSET}, {@link #STATUS_OK} or {@link #STATUS_ERROR}. */
  public int statusCode() {
    return statusCode;
  }

  /** The status message (allocates). */
  public String statusMessage() {
    return string(statusMessageOffset, statusMessageLength);
  }

  private String string(int off, int len) {
    return new String(buf, off, len, StandardCharsets.UTF_8);
  }

  static String hex(byte[] b, int off, int len) {
    char[] out = new char[len * 2];
    for (int i = 0; i < len; i++) {
      int v = b[off + i] & 0xff;
      out[2 * i] = HEX[v >>> 4];
      out[2 * i + 1] = HEX[v & 0xf];
    }
    return new String(out);
  }
}
