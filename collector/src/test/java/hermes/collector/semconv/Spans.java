package hermes.collector.semconv;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.List;

/** Spans built the way each convention writes them, for normalizer and assembler tests. */
public final class Spans {
  private Spans() {}

  /** A span builder with ids set: trace {@code trace}, id {@code id}, parent {@code parent}. */
  public static Span.Builder span(long trace, long id, long parent, String name) {
    Span.Builder b =
        Span.newBuilder()
            .setTraceId(
                ByteString.copyFrom(ByteBuffer.allocate(16).putLong(1).putLong(trace).array()))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
            .setName(name)
            .setStartTimeUnixNano(1_700_000_000_000_000_000L + id * 1_000_000L)
            .setEndTimeUnixNano(1_700_000_000_000_000_000L + id * 1_000_000L + 250_000_000L);
    if (parent != 0) {
      b.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(parent).array()));
    }
    return b;
  }

  /** Sets string, long, double, boolean or List&lt;String&gt; attributes from key-value pairs. */
  public static Span.Builder attrs(Span.Builder b, Object... kv) {
    for (int i = 0; i < kv.length; i += 2) {
      b.addAttributes(kv((String) kv[i], kv[i + 1]));
    }
    return b;
  }

  public static KeyValue kv(String key, Object v) {
    AnyValue.Builder value = AnyValue.newBuilder();
    if (v instanceof String s) {
      value.setStringValue(s);
    } else if (v instanceof Long l) {
      value.setIntValue(l);
    } else if (v instanceof Integer n) {
      value.setIntValue(n);
    } else if (v instanceof Double d) {
      value.setDoubleValue(d);
    } else if (v instanceof Boolean bo) {
      value.setBoolValue(bo);
    } else if (v instanceof List<?> list) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      for (Object o : list) {
        a.addValues(AnyValue.newBuilder().setStringValue((String) o));
      }
      value.setArrayValue(a);
    } else {
      throw new IllegalArgumentException("unsupported value " + v);
    }
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  public static Span.Builder error(Span.Builder b, String message) {
    return b.setStatus(
        Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage(message));
  }

  /** One request holding {@code spans} under a resource with {@code service.name}. */
  public static ExportTraceServiceRequest request(String service, List<Span> spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", service)))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
        .build();
  }
}
