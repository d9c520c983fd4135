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
import java.util.ArrayList;
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

  /**
   * One hermes-plugin session in trace {@code trace}: {@code turns} turns, each with an LLM call
   * asking for a tool, the tool, and a final LLM call. Spans in the order the plugin exports them:
   * children before parents, the session last.
   */
  public static List<Span> hermesSession(long trace, String key, int turns, boolean toolFails) {
    List<Span> out = new ArrayList<>();
    long root = trace * 1000;
    for (int t = 0; t < turns; t++) {
      long turn = root + 100 * (t + 1);
      out.add(llm(trace, turn + 1, turn, "tool_calls"));
      Span.Builder tool =
          attrs(
              span(trace, turn + 2, turn, "hermes.tool.terminal"),
              "hermes.span.kind",
              "TOOL",
              "hermes.tool.name",
              "terminal",
              "hermes.session.id",
              key);
      out.add((toolFails ? error(tool, "{\"error\": \"exit 1\"}") : tool).build());
      out.add(llm(trace, turn + 3, turn, "stop"));
      out.add(
          attrs(
                  span(trace, turn, root, "hermes.turn"),
                  "hermes.span.kind",
                  "CHAIN",
                  "hermes.session.id",
                  key,
                  "hermes.turn.index",
                  (long) t + 1,
                  "hermes.platform",
                  "cli")
              .build());
    }
    out.add(
        attrs(
                span(trace, root, 0, "hermes.session"),
                "hermes.span.kind",
                "AGENT",
                "hermes.session.id",
                key,
                "gen_ai.system",
                "hermes-agent",
                "hermes.session.completed",
                true)
            .build());
    return out;
  }

  /** 1000 uncached input, 4000 cache read, 500 cache write, 300 output (100 reasoning). */
  public static Span llm(long trace, long id, long parent, String finish) {
    return attrs(
            span(trace, id, parent, "chat m1"),
            "hermes.span.kind",
            "LLM",
            "gen_ai.request.model",
            "m1",
            "hermes.provider",
            "nous",
            "gen_ai.usage.input_tokens",
            1000L,
            "hermes.cache.read_tokens",
            4000L,
            "hermes.cache.write_tokens",
            500L,
            "gen_ai.usage.output_tokens",
            300L,
            "hermes.reasoning_tokens",
            100L,
            "gen_ai.response.finish_reasons",
            List.of(finish))
        .build();
  }
}
