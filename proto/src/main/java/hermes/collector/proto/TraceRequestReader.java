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
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  // Span.flags (field 16, fixed32): the one field of a span whose tag takes two bytes.
  private static final byte FLAGS_TAG_0 = (byte) (Tags.SPAN_FLAGS | 0x80);
  private static final byte FLAGS_TAG_1 = (byte) (Tags.SPAN_FLAGS >>> 7);
  private static final MessageScanner EVENT_SCANNER =
      new MessageScanner(Span.Event.getDescriptor(), null);
  private static final MessageScanner LINK_SCANNER =
      new MessageScanner(Span.Link.getDescriptor(), null);

  private final EnvelopeWalker walker;
  private final SpanView span;
  private final int maxNesting;
  private final EnvelopeWalker.Signal signal = new Spans();
  private TraceVisitor visitor; // of the request being read

  /** Whether spans are read by {@link #readSpanFast} first; tests compare both paths. */
  boolean spanFastPath = true;

  /** Turns every fast path of this reader on or off (spans and attributes); for tests. */
  void fastPaths(boolean on) {
    spanFastPath = on;
    span.attributes().fastPath = on;
    walker.resource.attributes().fastPath = on;
    walker.scope.attributes().fastPath = on;
  }

  /** A reader enforcing the given bounds. */
  public TraceRequestReader(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    walker = new EnvelopeWalker(limits, EnvelopeWalker.TRACES);
    span = new SpanView(limits);
    span.resource = walker.resource;
    span.scope = walker.scope;
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
    this.visitor = Objects.requireNonNull(visitor, "visitor");
    try {
      return walker.walk(request, signal);
    } finally {
      this.visitor = null;
    }
  }

  /**
   * Reads one request from the remaining bytes of {@code request} (position unchanged). Heap
   * buffers that expose their whole array are read in place; others are copied once.
   */
  public int read(ByteBuffer request, TraceVisitor visitor) throws MalformedOtlpException {
    return read(Buffers.toArray(request), visitor);
  }

  /** The trace side of the envelope walk: each span read in place into the reused view. */
  private final class Spans implements EnvelopeWalker.Signal {
    @Override
    public void resource(ResourceView resource) {
      visitor.resource(resource);
    }

    @Override
    public void scope(ScopeView scope) {
      visitor.scope(scope);
    }

    @Override
    public int item(byte[] buf, CodedInputStream in, int base, int off, int len)
        throws IOException, MalformedOtlpException {
      span.reset(buf, off, len);
      walker.where = "Span";
      if (!spanFastPath || !readSpanFast(buf, off, off + len)) {
        span.reset(buf, off, len); // the decoder reads it again, from the start
        readSpan(in, base, buf);
      }
      visitor.span(span);
      return 1;
    }
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
        case Tags.SPAN_TRACE_ID:
        case Tags.SPAN_SPAN_ID:
        case Tags.SPAN_TRACE_STATE:
        case Tags.SPAN_PARENT_SPAN_ID:
        case Tags.SPAN_NAME:
          {
            int l = Wire.length(in, base, tag >>> 3);
            place(s, tag, buf, base + in.getTotalBytesRead(), l);
            in.skipRawBytes(l);
            break;
          }
        case Tags.SPAN_KIND:
          s.kind = in.readEnum();
          break;
        case Tags.SPAN_START_TIME_UNIX_NANO:
          s.startTimeUnixNano = in.readFixed64();
          break;
        case Tags.SPAN_END_TIME_UNIX_NANO:
          s.endTimeUnixNano = in.readFixed64();
          break;
        case Tags.SPAN_ATTRIBUTES:
          readAttribute(in, base, s.attributes());
          break;
        case Tags.SPAN_DROPPED_ATTRIBUTES_COUNT:
          s.droppedAttributesCount = in.readUInt32();
          break;
        case Tags.SPAN_EVENTS:
          s.eventsCount++;
          checkNested(in, base, buf, tag >>> 3, EVENT_SCANNER);
          break;
        case Tags.SPAN_DROPPED_EVENTS_COUNT:
          s.droppedEventsCount = in.readUInt32();
          break;
        case Tags.SPAN_LINKS:
          s.linksCount++;
          checkNested(in, base, buf, tag >>> 3, LINK_SCANNER);
          break;
        case Tags.SPAN_DROPPED_LINKS_COUNT:
          s.droppedLinksCount = in.readUInt32();
          break;
        case Tags.SPAN_STATUS:
          {
            int l = Wire.length(in, base, tag >>> 3);
            int old = in.pushLimit(l);
            readStatus(in, base);
            in.popLimit(old);
            break;
          }
        case Tags.SPAN_FLAGS:
          s.flags = in.readFixed32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }

  /**
   * Reads the span occupying {@code b[p, end)} straight from the bytes into the view, without the
   * decoder: the fast path of {@link #readSpan}, same results (its attributes through {@link
   * Attributes#addFast}). It takes the shapes exporters write (one-byte tags but the flags' two,
   * one-byte enums and counts, lengths under 2^28) and returns false on anything else or on
   * anything {@link #readSpan} would refuse; the caller then resets the view and runs {@link
   * #readSpan}, which gives the exact result or error.
   */
  private boolean readSpanFast(byte[] b, int p, int end) {
    SpanView s = span;
    while (p < end) {
      int tag = b[p++];
      switch (tag) {
        case Tags.SPAN_TRACE_ID:
        case Tags.SPAN_SPAN_ID:
        case Tags.SPAN_TRACE_STATE:
        case Tags.SPAN_PARENT_SPAN_ID:
        case Tags.SPAN_NAME:
        case Tags.SPAN_ATTRIBUTES:
        case Tags.SPAN_EVENTS:
        case Tags.SPAN_LINKS:
        case Tags.SPAN_STATUS:
          {
            long r = Wire.lengthAt(b, p, end);
            if (r < 0) {
              return false;
            }
            p = (int) (r >>> 32);
            int l = (int) r;
            if (!lengthDelimited(s, tag, b, p, l)) {
              return false;
            }
            p += l;
            break;
          }
        case Tags.SPAN_KIND:
        case Tags.SPAN_DROPPED_ATTRIBUTES_COUNT:
        case Tags.SPAN_DROPPED_EVENTS_COUNT:
        case Tags.SPAN_DROPPED_LINKS_COUNT:
          {
            if (p >= end || b[p] < 0) {
              return false; // more than one byte: the decoder's
            }
            int v = b[p++];
            if (tag == Tags.SPAN_KIND) {
              s.kind = v;
            } else if (tag == Tags.SPAN_DROPPED_ATTRIBUTES_COUNT) {
              s.droppedAttributesCount = v;
            } else if (tag == Tags.SPAN_DROPPED_EVENTS_COUNT) {
              s.droppedEventsCount = v;
            } else {
              s.droppedLinksCount = v;
            }
            break;
          }
        case Tags.SPAN_START_TIME_UNIX_NANO:
        case Tags.SPAN_END_TIME_UNIX_NANO:
          {
            if (end - p < 8) {
              return false;
            }
            long t = (long) LONG_LE.get(b, p);
            if (tag == Tags.SPAN_START_TIME_UNIX_NANO) {
              s.startTimeUnixNano = t;
            } else {
              s.endTimeUnixNano = t;
            }
            p += 8;
            break;
          }
        default:
          if (tag == FLAGS_TAG_0 && p < end && b[p] == FLAGS_TAG_1) {
            if (end - p < 5) {
              return false;
            }
            s.flags = (int) INT_LE.get(b, p + 1);
            p += 5;
          } else if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
            return false;
          }
      }
    }
    return true;
  }

  /** One length-delimited field of a span, {@code b[at, at + l)}, as {@link #readSpan} reads it. */
  /**
   * Places one of a span's byte fields (ids, trace state, name) at {@code b[at, at + l)} in {@code
   * s}, the ids also as numbers: what both span paths (the decoder's and the fast one) do with
   * them.
   */
  private static void place(SpanView s, int tag, byte[] b, int at, int l) {
    switch (tag) {
      case Tags.SPAN_TRACE_ID:
        s.traceIdOffset = at;
        s.traceIdLength = l;
        if (l == 16) {
          s.traceIdHigh = (long) LONG_BE.get(b, at);
          s.traceIdLow = (long) LONG_BE.get(b, at + 8);
        } else {
          s.traceIdHigh = s.traceIdLow = 0;
        }
        break;
      case Tags.SPAN_SPAN_ID:
        s.spanIdOffset = at;
        s.spanIdLength = l;
        s.spanId = l == 8 ? (long) LONG_BE.get(b, at) : 0;
        break;
      case Tags.SPAN_TRACE_STATE:
        s.traceStateOffset = at;
        s.traceStateLength = l;
        break;
      case Tags.SPAN_PARENT_SPAN_ID:
        s.parentSpanIdOffset = at;
        s.parentSpanIdLength = l;
        s.parentSpanId = l == 8 ? (long) LONG_BE.get(b, at) : 0;
        break;
      default: // SPAN_NAME
        s.nameOffset = at;
        s.nameLength = l;
    }
  }

  private boolean lengthDelimited(SpanView s, int tag, byte[] b, int at, int l) {
    switch (tag) {
      case Tags.SPAN_TRACE_ID:
      case Tags.SPAN_SPAN_ID:
      case Tags.SPAN_TRACE_STATE:
      case Tags.SPAN_PARENT_SPAN_ID:
      case Tags.SPAN_NAME:
        place(s, tag, b, at, l);
        return true;
      case Tags.SPAN_ATTRIBUTES:
        return s.attributes().addFast(at, l);
      case Tags.SPAN_EVENTS:
      case Tags.SPAN_LINKS:
        try {
          (tag == Tags.SPAN_EVENTS ? EVENT_SCANNER : LINK_SCANNER).scan(b, at, l, maxNesting);
        } catch (MalformedOtlpException e) {
          return false; // the decoder's path scans it again and throws the same
        }
        if (tag == Tags.SPAN_EVENTS) {
          s.eventsCount++;
        } else {
          s.linksCount++;
        }
        return true;
      default: // Tags.SPAN_STATUS
        return statusFast(s, b, at, at + l);
    }
  }

  /** {@link #readStatus} over {@code b[p, end)}. */
  private static boolean statusFast(SpanView s, byte[] b, int p, int end) {
    while (p < end) {
      int tag = b[p++];
      if (tag == Tags.STATUS_MESSAGE) {
        long r = Wire.lengthAt(b, p, end);
        if (r < 0) {
          return false;
        }
        p = (int) (r >>> 32);
        s.statusMessageOffset = p;
        s.statusMessageLength = (int) r;
        p += (int) r;
      } else if (tag == Tags.STATUS_CODE) {
        if (p >= end || b[p] < 0) {
          return false;
        }
        s.statusCode = b[p++];
      } else if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
        return false;
      }
    }
    return true;
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
      if (tag == Tags.STATUS_MESSAGE) {
        int l = Wire.length(in, base, tag >>> 3);
        span.statusMessageOffset = base + in.getTotalBytesRead();
        span.statusMessageLength = l;
        in.skipRawBytes(l);
      } else if (tag == Tags.STATUS_CODE) {
        span.statusCode = in.readEnum();
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }
}
