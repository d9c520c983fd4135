package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Streams a serialized {@code ExportTraceServiceRequest} into a {@link TraceVisitor} without
 * building message objects: resource, then scope, then each span as a reused {@link SpanView}.
 *
 * <p>Threading: an instance is single-threaded and reusable (keep one per I/O thread). Its views
 * point into the caller's buffer, which must stay unchanged while {@link #read} runs.
 *
 * <p>Semantics follow protobuf: unknown fields and known fields with an unexpected wire type are
 * skipped; a resource or scope placed after its spans on the wire is still visited first (each
 * {@code ResourceSpans}/{@code ScopeSpans} is walked twice, which costs one skip per field). Events
 * and links are not decoded, only counted and checked for well-formedness.
 *
 * <pre>{@code
 * TraceRequestReader reader = new TraceRequestReader(ReaderLimits.DEFAULT);
 * int spans = reader.read(body, span -> consumer.accept(span.spanId(), span.name()));
 * }</pre>
 */
public final class TraceRequestReader {
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final MessageScanner EVENT_SCANNER =
      new MessageScanner(Span.Event.getDescriptor(), null);
  private static final MessageScanner LINK_SCANNER =
      new MessageScanner(Span.Link.getDescriptor(), null);

  private final ResourceView resource;
  private final ScopeView scope;
  private final SpanView span;
  private final int maxNesting;

  // The decoder being read and where it starts, for error positions.
  private CodedInputStream current;
  private int currentBase;
  private String where;

  /** A reader enforcing the given bounds. */
  public TraceRequestReader(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    resource = new ResourceView(limits);
    scope = new ScopeView(limits);
    span = new SpanView(limits);
    span.resource = resource;
    span.scope = scope;
    maxNesting = MessageScanner.nestingFor(limits.maxAttributeDepth());
  }

  /**
   * Reads one request occupying all of {@code request}.
   *
   * @return the number of spans visited
   * @throws MalformedOtlpException when the bytes are not a valid request; the visitor may have
   *     seen part of it
   */
  public int read(byte[] request, TraceVisitor visitor) throws MalformedOtlpException {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(visitor, "visitor");
    int spans = 0;
    CodedInputStream in = enter(request, 0, request.length, "ExportTraceServiceRequest");
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == Wire.tag(1, Wire.LEN)) {
          int len = Wire.length(in, 0, 1);
          int start = in.getTotalBytesRead();
          spans += readResourceSpans(request, start, len, visitor);
          enter(in, 0, "ExportTraceServiceRequest");
          in.skipRawBytes(len);
        } else {
          Wire.skip(in, tag, 0);
        }
      }
    } catch (IOException e) {
      throw Wire.malformed(e, where, (long) currentBase + current.getTotalBytesRead());
    }
    return spans;
  }

  /**
   * Reads one request from the remaining bytes of {@code request} (position unchanged). Heap
   * buffers that expose their whole array are read in place; others are copied once.
   */
  public int read(ByteBuffer request, TraceVisitor visitor) throws MalformedOtlpException {
    return read(Buffers.toArray(request), visitor);
  }

  private CodedInputStream enter(byte[] buf, int off, int len, String name) {
    return enter(Wire.decoder(buf, off, len), off, name);
  }

  private CodedInputStream enter(CodedInputStream in, int base, String name) {
    current = in;
    currentBase = base;
    where = name;
    return in;
  }

  private int readResourceSpans(byte[] buf, int off, int len, TraceVisitor visitor)
      throws IOException, MalformedOtlpException {
    resource.reset(buf);
    CodedInputStream in = enter(buf, off, len, "ResourceSpans");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, off, 1);
        int old = in.pushLimit(l);
        readResource(in, off);
        in.popLimit(old);
        where = "ResourceSpans";
      } else if (tag == Wire.tag(3, Wire.LEN)) {
        int l = Wire.length(in, off, 3);
        resource.schemaUrlOffset = off + in.getTotalBytesRead();
        resource.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    visitor.resource(resource);
    int spans = 0;
    in = enter(buf, off, len, "ResourceSpans");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, off, 2);
        spans += readScopeSpans(buf, off + in.getTotalBytesRead(), l, visitor);
        enter(in, off, "ResourceSpans");
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return spans;
  }

  private void readResource(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    where = "Resource";
    Envelope.readResource(in, base, resource);
  }

  private int readScopeSpans(byte[] buf, int off, int len, TraceVisitor visitor)
      throws IOException, MalformedOtlpException {
    scope.reset(buf);
    CodedInputStream in = enter(buf, off, len, "ScopeSpans");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, off, 1);
        int old = in.pushLimit(l);
        readScope(in, off);
        in.popLimit(old);
        where = "ScopeSpans";
      } else if (tag == Wire.tag(3, Wire.LEN)) {
        int l = Wire.length(in, off, 3);
        scope.schemaUrlOffset = off + in.getTotalBytesRead();
        scope.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    visitor.scope(scope);
    int spans = 0;
    in = enter(buf, off, len, "ScopeSpans");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, off, 2);
        int start = off + in.getTotalBytesRead();
        int old = in.pushLimit(l);
        span.reset(buf, start, l);
        where = "Span";
        readSpan(in, off, buf);
        in.popLimit(old);
        where = "ScopeSpans";
        visitor.span(span);
        spans++;
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return spans;
  }

  private void readScope(CodedInputStream in, int base) throws IOException, MalformedOtlpException {
    where = "InstrumentationScope";
    Envelope.readScope(in, base, scope);
  }

  private static void readAttribute(CodedInputStream in, int base, Attributes into)
      throws IOException, MalformedOtlpException {
    Envelope.readAttribute(in, base, into);
  }

  private void readSpan(CodedInputStream in, int base, byte[] buf)
      throws IOException, MalformedOtlpException {
    SpanView s = span;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 1 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 1);
            int at = base + in.getTotalBytesRead();
            s.traceIdOffset = at;
            s.traceIdLength = l;
            if (l == 16) {
              s.traceIdHigh = (long) LONG_BE.get(buf, at);
              s.traceIdLow = (long) LONG_BE.get(buf, at + 8);
            } else {
              s.traceIdHigh = s.traceIdLow = 0;
            }
            in.skipRawBytes(l);
            break;
          }
        case 2 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 2);
            int at = base + in.getTotalBytesRead();
            s.spanIdOffset = at;
            s.spanIdLength = l;
            s.spanId = l == 8 ? (long) LONG_BE.get(buf, at) : 0;
            in.skipRawBytes(l);
            break;
          }
        case 3 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 3);
            s.traceStateOffset = base + in.getTotalBytesRead();
            s.traceStateLength = l;
            in.skipRawBytes(l);
            break;
          }
        case 4 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 4);
            int at = base + in.getTotalBytesRead();
            s.parentSpanIdOffset = at;
            s.parentSpanIdLength = l;
            s.parentSpanId = l == 8 ? (long) LONG_BE.get(buf, at) : 0;
            in.skipRawBytes(l);
            break;
          }
        case 5 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 5);
            s.nameOffset = base + in.getTotalBytesRead();
            s.nameLength = l;
            in.skipRawBytes(l);
            break;
          }
        case 6 << 3 | Wire.VARINT:
          s.kind = in.readEnum();
          break;
        case 7 << 3 | Wire.FIXED64:
          s.startTimeUnixNano = in.readFixed64();
          break;
        case 8 << 3 | Wire.FIXED64:
          s.endTimeUnixNano = in.readFixed64();
          break;
        case 9 << 3 | Wire.LEN:
          readAttribute(in, base, s.attributes());
          break;
        case 10 << 3 | Wire.VARINT:
          s.droppedAttributesCount = in.readUInt32();
          break;
        case 11 << 3 | Wire.LEN:
          s.eventsCount++;
          checkNested(in, base, buf, 11, EVENT_SCANNER);
          break;
        case 12 << 3 | Wire.VARINT:
          s.droppedEventsCount = in.readUInt32();
          break;
        case 13 << 3 | Wire.LEN:
          s.linksCount++;
          checkNested(in, base, buf, 13, LINK_SCANNER);
          break;
        case 14 << 3 | Wire.VARINT:
          s.droppedLinksCount = in.readUInt32();
          break;
        case 15 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 15);
            int old = in.pushLimit(l);
            readStatus(in, base);
            in.popLimit(old);
            break;
          }
        case 16 << 3 | Wire.FIXED32:
          s.flags = in.readFixed32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }

  private void checkNested(
      CodedInputStream in, int base, byte[] buf, int field, MessageScanner scanner)
      throws IOException, MalformedOtlpException {
    int l = Wire.length(in, base, field);
    scanner.scan(buf, base + in.getTotalBytesRead(), l, maxNesting);
    in.skipRawBytes(l);
  }

  private void readStatus(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, base, 2);
        span.statusMessageOffset = base + in.getTotalBytesRead();
        span.statusMessageLength = l;
        in.skipRawBytes(l);
      } else if (tag == Wire.tag(3, Wire.VARINT)) {
        span.statusCode = in.readEnum();
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }
}
