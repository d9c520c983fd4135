package hermes.collector.proto;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Renders what a reader visits, and what the generated classes say a request contains, in one
 * canonical line-per-item form, so the two can be compared exactly.
 */
final class Visits implements TraceVisitor {
  final List<String> lines = new ArrayList<>();

  static List<String> of(byte[] request) throws MalformedOtlpException {
    Visits v = new Visits();
    new TraceRequestReader(ReaderLimits.DEFAULT).read(request, v);
    return v.lines;
  }

  @Override
  public void resource(ResourceView r) {
    lines.add(
        "resource attrs="
            + attrs(r.attributes())
            + " dropped="
            + r.droppedAttributesCount()
            + " schema="
            + r.schemaUrl());
  }

  @Override
  public void scope(ScopeView s) {
    lines.add(
        "scope name="
            + s.name()
            + " version="
            + s.version()
            + " attrs="
            + attrs(s.attributes())
            + " dropped="
            + s.droppedAttributesCount()
            + " schema="
            + s.schemaUrl());
  }

  @Override
  public void span(SpanView s) {
    lines.add(
        span(
            s.traceIdHex(),
            s.spanIdHex(),
            s.parentSpanIdHex(),
            s.traceState(),
            s.flags(),
            s.name(),
            s.kind(),
            s.startTimeUnixNano(),
            s.endTimeUnixNano(),
            attrs(s.attributes()),
            s.droppedAttributesCount(),
            s.eventsCount(),
            s.droppedEventsCount(),
            s.linksCount(),
            s.droppedLinksCount(),
            s.statusCode(),
            s.statusMessage()));
  }

  private static String attrs(Attributes a) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(a.key(i) + "=" + render(a.value(i)));
    }
    return out.toString();
  }

  static String span(
      String trace,
      String span,
      String parent,
      String state,
      int flags,
      String name,
      int kind,
      long start,
      long end,
      String attrs,
      int dropped,
      int events,
      int droppedEvents,
      int links,
      int droppedLinks,
      int status,
      String message) {
    return String.join(
        " ",
        "span trace=" + trace,
        "id=" + span,
        "parent=" + parent,
        "state=" + state,
        "flags=" + flags,
        "name=" + name,
        "kind=" + kind,
        "start=" + start,
        "end=" + end,
        "attrs=" + attrs,
        "dropped=" + dropped,
        "events=" + events + "/" + droppedEvents,
        "links=" + links + "/" + droppedLinks,
        "status=" + status + ":" + message);
  }

  /** The same lines, computed from the generated message classes (the oracle). */
  static List<String> expected(ExportTraceServiceRequest req) {
    List<String> lines = new ArrayList<>();
    for (ResourceSpans rs : req.getResourceSpansList()) {
      lines.add(
          "resource attrs="
              + attrs(rs.getResource().getAttributesList())
              + " dropped="
              + rs.getResource().getDroppedAttributesCount()
              + " schema="
              + rs.getSchemaUrl());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        lines.add(
            "scope name="
                + ss.getScope().getName()
                + " version="
                + ss.getScope().getVersion()
                + " attrs="
                + attrs(ss.getScope().getAttributesList())
                + " dropped="
                + ss.getScope().getDroppedAttributesCount()
                + " schema="
                + ss.getSchemaUrl());
        for (Span s : ss.getSpansList()) {
          lines.add(
              span(
                  hex(s.getTraceId()),
                  hex(s.getSpanId()),
                  hex(s.getParentSpanId()),
                  s.getTraceState(),
                  s.getFlags(),
                  s.getName(),
                  s.getKindValue(),
                  s.getStartTimeUnixNano(),
                  s.getEndTimeUnixNano(),
                  attrs(s.getAttributesList()),
                  s.getDroppedAttributesCount(),
                  s.getEventsCount(),
                  s.getDroppedEventsCount(),
                  s.getLinksCount(),
                  s.getDroppedLinksCount(),
                  s.getStatus().getCodeValue(),
                  s.getStatus().getMessage()));
        }
      }
    }
    return lines;
  }

  private static String attrs(List<KeyValue> kvs) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(kv.getKey() + "=" + render(toObject(kv.getValue())));
    }
    return out.toString();
  }

  static Object toObject(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case BYTES_VALUE:
        return v.getBytesValue().toByteArray();
      case ARRAY_VALUE:
        {
          List<Object> out = new ArrayList<>();
          for (AnyValue e : v.getArrayValue().getValuesList()) {
            out.add(toObject(e));
          }
          return out;
        }
      case KVLIST_VALUE:
        {
          List<KeyValueEntry> out = new ArrayList<>();
          for (KeyValue kv : v.getKvlistValue().getValuesList()) {
            out.add(new KeyValueEntry(kv.getKey(), toObject(kv.getValue())));
          }
          return out;
        }
      default:
        return null;
    }
  }

  /** Renders a decoded value with its type, so "1" and 1 and 1.0 differ. */
  static String render(Object o) {
    if (o == null) {
      return "empty";
    }
    if (o instanceof byte[] b) {
      return "bytes:" + HexFormat.of().formatHex(b);
    }
    if (o instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      for (Object e : l) {
        parts.add(render(e));
      }
      return parts.toString();
    }
    if (o instanceof KeyValueEntry kv) {
      return kv.key() + "->" + render(kv.value());
    }
    return o.getClass().getSimpleName() + ":" + o;
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }
}
