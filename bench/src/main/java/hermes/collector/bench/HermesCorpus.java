package hermes.collector.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Export requests shaped as the reference hermes plugin writes them: per session a root, turns, and
 * per turn LLM calls and tool calls with the plugin's attributes, batched by the SDK's batch
 * processor (up to 512 spans per request). Deterministic for a seed.
 */
public final class HermesCorpus {
  static final String[] MODELS = {
    "claude-sonnet-4-20250514", "gpt-4o-2024-08-06", "deepseek-v3-0324", "gemini-2.5-pro"
  };
  static final String[] PROVIDERS = {"anthropic", "openai", "deepseek", "gemini"};
  static final String[] TOOLS = {
    "web_search", "read_file", "write_file", "terminal", "browser_navigate", "memory"
  };

  private HermesCorpus() {}

  /** Serialized requests holding {@code spans} spans in all, {@code batch} spans per request. */
  public static List<byte[]> requests(long seed, int spans, int batch) {
    Random r = new Random(seed);
    List<Span> all = new ArrayList<>(spans);
    while (all.size() < spans) {
      session(r, all);
    }
    List<byte[]> out = new ArrayList<>();
    for (ExportTraceServiceRequest request : batched(all.subList(0, spans), batch)) {
      out.add(request.toByteArray());
    }
    return out;
  }

  /** The requests of {@code sessions} whole sessions, {@code batch} spans per request. */
  public static List<ExportTraceServiceRequest> sessions(long seed, int sessions, int batch) {
    Random r = new Random(seed);
    List<Span> all = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      session(r, all);
    }
    return batched(all, batch);
  }

  /** {@code spans} in order, cut into requests of {@code batch} as the SDK's batch processor. */
  private static List<ExportTraceServiceRequest> batched(List<Span> spans, int batch) {
    List<ExportTraceServiceRequest> out = new ArrayList<>();
    for (int i = 0; i < spans.size(); i += batch) {
      out.add(request(spans.subList(i, Math.min(spans.size(), i + batch))));
    }
    return out;
  }

  static ExportTraceServiceRequest request(List<Span> spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", "hermes-agent"))
                        .addAttributes(kv("service.version", "0.9.0"))
                        .addAttributes(kv("telemetry.sdk.language", "python")))
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .setScope(
                            InstrumentationScope.newBuilder()
                                .setName("hermes-plugin-otel-tracing")
                                .setVersion("0.3.0"))
                        .addAllSpans(spans)))
        .build();
  }

  /** One session, children before parents as the batch processor exports them. */
  static void session(Random r, List<Span> out) {
    ByteString trace = bytes(16, r);
    ByteString root = bytes(8, r);
    String sessionId = String.format("%016x", r.nextLong());
    long t = 1_763_700_000_000_000_000L + r.nextInt(1_000_000) * 1_000_000_000L;
    long sessionStart = t;
    int turns = 1 + r.nextInt(10);
    for (int turn = 0; turn < turns; turn++) {
      ByteString turnId = bytes(8, r);
      long turnStart = t;
      int calls = 1 + r.nextInt(4);
      int tools = 0;
      for (int c = 0; c < calls; c++) {
        int m = r.nextInt(MODELS.length);
        long dur = 500_000_000L + r.nextInt(5_000) * 1_000_000L;
        boolean last = c == calls - 1;
        out.add(
            Span.newBuilder()
                .setTraceId(trace)
                .setSpanId(bytes(8, r))
                .setParentSpanId(turnId)
                .setName("chat " + MODELS[m])
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(t)
                .setEndTimeUnixNano(t + dur)
                .addAttributes(kv("hermes.span.kind", "LLM"))
                .addAttributes(kv("gen_ai.system", "hermes-agent"))
                .addAttributes(kv("gen_ai.operation.name", "chat"))
                .addAttributes(kv("gen_ai.request.model", MODELS[m]))
                .addAttributes(kv("gen_ai.response.model", MODELS[m]))
                .addAttributes(kv("hermes.provider", PROVIDERS[m]))
                .addAttributes(kv("hermes.session.id", sessionId))
                .addAttributes(kv("gen_ai.usage.input_tokens", 200 + r.nextInt(4000)))
                .addAttributes(kv("gen_ai.usage.output_tokens", 20 + r.nextInt(1500)))
                .addAttributes(kv("hermes.cache.read_tokens", r.nextInt(20000)))
                .addAttributes(kv("hermes.cache.write_tokens", r.nextInt(2000)))
                .addAttributes(kv("hermes.reasoning_tokens", r.nextInt(500)))
                .addAttributes(
                    KeyValue.newBuilder()
                        .setKey("gen_ai.response.finish_reasons")
                        .setValue(
                            AnyValue.newBuilder()
                                .setArrayValue(
                                    ArrayValue.newBuilder()
                                        .addValues(str(last ? "stop" : "tool_calls")))))
                .addAttributes(kv("hermes.api_call_number", c + 1))
                .addAttributes(kv("server.address", "api." + PROVIDERS[m] + ".com"))
                .build());
        t += dur;
        if (!last) {
          int k = r.nextInt(TOOLS.length);
          long tdur = 10_000_000L + r.nextInt(3_000) * 1_000_000L;
          boolean failed = r.nextInt(20) == 0;
          Span.Builder tool =
              Span.newBuilder()
                  .setTraceId(trace)
                  .setSpanId(bytes(8, r))
                  .setParentSpanId(turnId)
                  .setName("hermes.tool." + TOOLS[k])
                  .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                  .setStartTimeUnixNano(t)
                  .setEndTimeUnixNano(t + tdur)
                  .addAttributes(kv("hermes.span.kind", "TOOL"))
                  .addAttributes(kv("hermes.tool.name", TOOLS[k]))
                  .addAttributes(kv("hermes.session.id", sessionId))
                  .addAttributes(kv("hermes.tool.outcome", failed ? "error" : "success"));
          if (failed) {
            tool.setStatus(
                Status.newBuilder()
                    .setCode(Status.StatusCode.STATUS_CODE_ERROR)
                    .setMessage("tool returned an error"));
          }
          out.add(tool.build());
          tools++;
          t += tdur;
        }
      }
      out.add(
          Span.newBuilder()
              .setTraceId(trace)
              .setSpanId(turnId)
              .setParentSpanId(root)
              .setName("hermes.turn")
              .setStartTimeUnixNano(turnStart)
              .setEndTimeUnixNano(t)
              .addAttributes(kv("hermes.span.kind", "CHAIN"))
              .addAttributes(kv("hermes.session.id", sessionId))
              .addAttributes(kv("hermes.turn.index", turn))
              .addAttributes(kv("hermes.platform", "cli"))
              .addAttributes(kv("hermes.turn.api_call_count", calls))
              .addAttributes(kv("hermes.turn.tool_call_count", tools))
              .build());
      t += 1_000_000_000L;
    }
    out.add(
        Span.newBuilder()
            .setTraceId(trace)
            .setSpanId(root)
            .setName("hermes.session")
            .setStartTimeUnixNano(sessionStart)
            .setEndTimeUnixNano(t)
            .addAttributes(kv("hermes.span.kind", "AGENT"))
            .addAttributes(kv("hermes.session.id", sessionId))
            .addAttributes(kv("hermes.platform", "cli"))
            .addAttributes(kv("hermes.session.total_turns", turns))
            .addAttributes(kv("hermes.session.completed", "true"))
            .build());
  }

  static ByteString bytes(int n, Random r) {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      b.put((byte) r.nextInt(256));
    }
    return ByteString.copyFrom(b.array());
  }

  static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(str(v)).build();
  }

  static KeyValue kv(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }
}
