package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import hermes.collector.semconv.Spans;
import hermes.collector.session.SessionRecord;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Realistic sessions from real clients, over both protocols, in plugin order and shuffled, must
 * come out of the sessions API as trees whose totals equal the ground truth.
 */
class AgentModelIT {
  private Collector collector;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    // The settle delay covers the whole shuffled send below (a dozen requests from one thread):
    // at 200 ms a loaded machine made some of its spans (rightly) late and the test fail.
    collector =
        TestCollectors.startFull("sessions.settle_delay", "2s", "sessions.idle_timeout", "3s");
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private String admin(String path) {
    return "http://127.0.0.1:" + collector.adminAddress().getPort() + path;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(admin(path))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** One session as the hermes plugin writes it, through the OTel SDK. Returns the ground truth. */
  @SuppressWarnings("try") // Scope is closed for its side effect
  private static Truth pluginSession(Tracer tracer, String key, int turns, Random r) {
    Truth t = new Truth();
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", key)
            .setAttribute("gen_ai.system", "hermes-agent")
            .setAttribute("hermes.platform", "telegram")
            .startSpan();
    try (Scope ignored = session.makeCurrent()) {
      for (int i = 1; i <= turns; i++) {
        Span turn =
            tracer
                .spanBuilder("hermes.turn")
                .setAttribute("hermes.span.kind", "CHAIN")
                .setAttribute("hermes.session.id", key)
                .setAttribute("hermes.turn.index", i)
                .startSpan();
        try (Scope ignored2 = turn.makeCurrent()) {
          int calls = 1 + r.nextInt(3);
          for (int c = 0; c < calls; c++) {
            long in = 100 + r.nextInt(2000);
            long cacheRead = r.nextInt(5000);
            long out = 10 + r.nextInt(800);
            tracer
                .spanBuilder("chat deepseek-v3-0324")
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("hermes.span.kind", "LLM")
                .setAttribute("gen_ai.request.model", "deepseek-v3-0324")
                .setAttribute("hermes.provider", "deepseek")
                .setAttribute("gen_ai.usage.input_tokens", in)
                .setAttribute("hermes.cache.read_tokens", cacheRead)
                .setAttribute("gen_ai.usage.output_tokens", out)
                .setAttribute(
                    AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                    List.of(c == calls - 1 ? "stop" : "tool_calls"))
                .startSpan()
                .end();
            t.llmCalls++;
            t.input += in + cacheRead;
            t.cacheRead += cacheRead;
            t.output += out;
            // deepseek-v3-0324: $0.27 miss, $0.07 hit, $1.10 out per million.
            t.costPico += in * 270_000L + cacheRead * 70_000L + out * 1_100_000L;
            if (c < calls - 1) {
              Span tool =
                  tracer
                      .spanBuilder("hermes.tool.terminal")
                      .setAttribute("hermes.span.kind", "TOOL")
                      .setAttribute("hermes.tool.name", "terminal")
                      .setAttribute("hermes.session.id", key)
                      .startSpan();
              if (r.nextInt(4) == 0) {
                tool.setStatus(StatusCode.ERROR, "{\"error\": \"exit 1\"}");
                t.toolErrors++;
              }
              tool.end();
              t.toolCalls++;
            }
          }
        }
        turn.end();
      }
    }
    session.setAttribute("hermes.session.completed", true);
    session.end();
    t.turns = turns;
    return t;
  }

  static final class Truth {
    int turns;
    long llmCalls;
    long toolCalls;
    long toolErrors;
    long input;
    long cacheRead;
    long output;
    long costPico;
  }

  private void viaSdk(SpanExporter exporter, String prefix, Map<String, Truth> truths) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), "hermes-agent")))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(5).build())
            .build();
    Tracer tracer = provider.get("hermes-plugin-otel-tracing");
    Random r = new Random(prefix.hashCode());
    for (int i = 0; i < 4; i++) {
      String key = prefix + "-" + i;
      truths.put(key, pluginSession(tracer, key, 1 + r.nextInt(4), r));
    }
    SdkExporters.flush(provider);
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }

  @Test
  void sessionsFromRealClientsMatchTheGroundTruth() throws Exception {
    Map<String, Truth> truths = new HashMap<>();
    viaSdk(
        OtlpHttpSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces")
            .build(),
        "http",
        truths);
    viaSdk(
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + collector.grpcAddress().getPort())
            .build(),
        "grpc",
        truths);

    // And shuffled raw protobuf over both protocols, split into small requests.
    List<io.opentelemetry.proto.trace.v1.Span> shuffled = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      shuffled.addAll(Spans.hermesSession(500 + i, "raw-" + i, 2, false));
    }
    Collections.shuffle(shuffled, new Random(3));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcAddress().getPort())
            .usePlaintext()
            .build();
    try {
      for (int i = 0; i < shuffled.size(); i += 5) {
        var req =
            Spans.request("hermes-agent", shuffled.subList(i, Math.min(shuffled.size(), i + 5)));
        if (i % 2 == 0) {
          TraceServiceGrpc.newBlockingStub(channel).export(req);
        } else {
          HttpResponse<String> resp =
              http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + collector.httpAddress().getPort()
                                  + "/v1/traces"))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(req.toByteArray()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(resp.statusCode()).isEqualTo(200);
        }
      }
    } finally {
      channel.shutdownNow();
    }

    long deadline = System.nanoTime() + 30_000_000_000L;
    List<SessionRecord> done;
    do {
      Thread.sleep(100);
      done = collector.assembler().sessions(false, 100);
    } while (done.size() < truths.size() + 6 && System.nanoTime() < deadline);
    assertThat(done).hasSize(truths.size() + 6);

    for (Map.Entry<String, Truth> e : truths.entrySet()) {
      SessionRecord s = collector.assembler().session(e.getKey());
      Truth t = e.getValue();
      assertThat(s.outcome()).as(e.getKey()).isEqualTo("completed");
      assertThat(s.turns()).hasSize(t.turns);
      assertThat(s.totals().llmCalls()).isEqualTo(t.llmCalls);
      assertThat(s.totals().toolCalls()).isEqualTo(t.toolCalls);
      assertThat(s.totals().toolErrors()).isEqualTo(t.toolErrors);
      assertThat(s.totals().inputTokens()).isEqualTo(t.input);
      assertThat(s.totals().cacheReadTokens()).isEqualTo(t.cacheRead);
      assertThat(s.totals().outputTokens()).isEqualTo(t.output);
      assertThat(s.totals().costPico()).isEqualTo(t.costPico);
      assertThat(s.looseCalls()).isEmpty();
      assertThat(s.platform()).isEqualTo("telegram");
    }
    for (int i = 1; i <= 6; i++) {
      SessionRecord s = collector.assembler().session("raw-" + i);
      assertThat(s.turns()).hasSize(2);
      assertThat(s.totals().llmCalls()).isEqualTo(4);
      assertThat(s.totals().toolCalls()).isEqualTo(2);
    }
    assertThat(collector.assembler().lateSpans()).isZero();

    // The API shows the same.
    HttpResponse<String> list = get("/api/sessions?status=finished&limit=500");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(count(list.body(), "key")).isEqualTo(truths.size() + 6);
    String key =
        truths.entrySet().stream()
            .filter(e -> e.getKey().startsWith("grpc"))
            .max(java.util.Comparator.comparingLong(e -> e.getValue().toolCalls))
            .orElseThrow()
            .getKey();
    assertThat(truths.get(key).toolCalls).isPositive();
    HttpResponse<String> one = get("/api/sessions/" + key);
    assertThat(one.statusCode()).isEqualTo(200);
    Truth t = truths.get(key);
    assertThat(one.body())
        .contains("\"key\":\"" + key + "\"")
        .contains("\"outcome\":\"completed\"")
        .contains("\"llm_calls\":" + t.llmCalls)
        .contains(
            "\"cost_usd\":" + java.math.BigDecimal.valueOf(t.costPico, 12).stripTrailingZeros())
        .contains("\"model\":\"deepseek-v3-0324\"")
        .contains("\"name\":\"terminal\"")
        .contains("\"trace_id\":\"");
    assertThat(count(one.body(), "index")).isEqualTo(t.turns);

    // Quantiles from the same data: every step-duration series with its count and quantiles.
    HttpResponse<String> stats = get("/api/stats");
    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(stats.body())
        .contains("\"name\":\"hermes_step_duration_seconds\"")
        .contains("\"model\":\"deepseek-v3-0324\"")
        .contains("\"p99\":")
        .contains("\"max\":");
    long llmTotal = truths.values().stream().mapToLong(x -> x.llmCalls).sum() + 6 * 4;
    assertThat(TestCollectors.scrape(collector))
        .contains(
            "hermes_llm_calls_total{model=\"deepseek-v3-0324\",provider=\"deepseek\",finish_reason=\"stop\",}")
        .contains(
            "hermes_sessions_total{service=\"hermes-agent\",outcome=\"completed\",} "
                + (truths.size() + 6)
                + ".0");
    assertThat(llmTotal).isPositive();
  }

  /**
   * OpenInference (one trace per turn, session.id on every span, no session span) over gRPC, and
   * OTel GenAI (invoke_agent with a conversation id) over HTTP: sessions finalized on idle.
   */
  @Test
  @SuppressWarnings("try") // Scope is closed for its side effect
  void otherConventionsFromRealClients() throws Exception {
    SdkTracerProvider grpc =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), "phoenix-agent")))
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpGrpcSpanExporter.builder()
                            .setEndpoint("http://127.0.0.1:" + collector.grpcAddress().getPort())
                            .build())
                    .build())
            .build();
    Tracer oi = grpc.get("openinference.instrumentation");
    long oiInput = 0;
    long oiCalls = 0;
    for (int turn = 0; turn < 3; turn++) {
      Span agent =
          oi.spanBuilder("agent")
              .setAttribute("openinference.span.kind", "AGENT")
              .setAttribute("session.id", "oi-session")
              .setNoParent()
              .startSpan();
      try (Scope ignored = agent.makeCurrent()) {
        for (int c = 0; c <= turn; c++) {
          oi.spanBuilder("ChatCompletion")
              .setAttribute("openinference.span.kind", "LLM")
              .setAttribute("session.id", "oi-session")
              .setAttribute("llm.model_name", "gpt-4o-mini")
              .setAttribute("llm.provider", "openai")
              .setAttribute("llm.token_count.prompt", 1000L)
              .setAttribute("llm.token_count.completion", 100L)
              .startSpan()
              .end();
          oiInput += 1000;
          oiCalls++;
        }
        oi.spanBuilder("search")
            .setAttribute("openinference.span.kind", "TOOL")
            .setAttribute("tool.name", "search")
            .setAttribute("session.id", "oi-session")
            .startSpan()
            .end();
      }
      agent.end();
    }
    SdkExporters.flush(grpc);
    grpc.shutdown().join(10, TimeUnit.SECONDS);

    SdkTracerProvider httpSdk =
        SdkTracerProvider.builder()
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder()
                            .setEndpoint(
                                "http://127.0.0.1:"
                                    + collector.httpAddress().getPort()
                                    + "/v1/traces")
                            .build())
                    .build())
            .build();
    Tracer genai = httpSdk.get("genai");
    Span invoke =
        genai
            .spanBuilder("invoke_agent planner")
            .setAttribute("gen_ai.operation.name", "invoke_agent")
            .setAttribute("gen_ai.conversation.id", "conv-42")
            .startSpan();
    try (Scope ignored = invoke.makeCurrent()) {
      genai
          .spanBuilder("chat claude-haiku-4-5")
          .setAttribute("gen_ai.operation.name", "chat")
          .setAttribute("gen_ai.provider.name", "anthropic")
          .setAttribute("gen_ai.request.model", "claude-haiku-4-5")
          .setAttribute("gen_ai.usage.input_tokens", 2000L)
          .setAttribute("gen_ai.usage.cache_read.input_tokens", 1000L)
          .setAttribute("gen_ai.usage.output_tokens", 50L)
          .startSpan()
          .end();
      Span tool =
          genai
              .spanBuilder("execute_tool get_weather")
              .setAttribute("gen_ai.operation.name", "execute_tool")
              .setAttribute("gen_ai.tool.name", "get_weather")
              .startSpan();
      tool.setStatus(StatusCode.ERROR, "request timed out");
      tool.end();
    }
    invoke.end();
    SdkExporters.flush(httpSdk);
    httpSdk.shutdown().join(10, TimeUnit.SECONDS);

    long deadline = System.nanoTime() + 30_000_000_000L;
    while (collector.assembler().sessions(false, 10).size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    SessionRecord o = collector.assembler().session("oi-session");
    assertThat(o.outcome()).isEqualTo("completed");
    assertThat(o.service()).isEqualTo("phoenix-agent");
    assertThat(o.turns()).hasSize(3);
    assertThat(o.totals().llmCalls()).isEqualTo(oiCalls);
    assertThat(o.totals().toolCalls()).isEqualTo(3);
    assertThat(o.totals().inputTokens()).isEqualTo(oiInput);
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    assertThat(o.totals().costPico()).isEqualTo(oiCalls * (1000 * 150_000L + 100 * 600_000L));

    SessionRecord g = collector.assembler().session("conv-42");
    assertThat(g.turns()).hasSize(1); // the root invoke_agent carries the conversation: a turn
    assertThat(g.totals().inputTokens()).isEqualTo(2000); // GenAI input includes the cache read
    assertThat(g.totals().cacheReadTokens()).isEqualTo(1000);
    // claude-haiku-4-5: 1000 uncached x $1 + 1000 read x $0.10 + 50 out x $5 per million.
    assertThat(g.totals().costPico())
        .isEqualTo(1000 * 1_000_000L + 1000 * 100_000L + 50 * 5_000_000L);
    assertThat(g.turns().get(0).calls())
        .anySatisfy(c -> assertThat(c.errorType()).isEqualTo("timeout"));
  }

  @Test
  void apiErrorsAndReload() throws Exception {
    assertThat(get("/api/sessions/unknown-key").statusCode()).isEqualTo(404);
    assertThat(get("/api/sessions?status=sleeping").statusCode()).isEqualTo(400);
    assertThat(get("/api/sessions?limit=0").body())
        .contains("limit: '0' is not an integer from 1 to 1000");
    assertThat(get("/api/sessions?colour=red").statusCode()).isEqualTo(400);
    assertThat(get("/api/sessions").body())
        .isEqualTo("{\"total\":0,\"next\":null,\"sessions\":[]}");
    HttpResponse<String> reload =
        http.send(
            HttpRequest.newBuilder(URI.create(admin("/-/reload")))
                .header("X-Hermes-Reload", "1") // not a form: see SecurityIT
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reload.statusCode()).isEqualTo(200);
    assertThat(reload.body()).startsWith("{\"status\":\"success\",\"price_entries\":");
    assertThat(TestCollectors.scrape(collector))
        .contains("hermes_collector_price_table_reloads_total{result=\"success\",} 1.0")
        .contains("hermes_collector_live_sessions ");
  }

  /** How many times a JSON field appears anywhere in {@code json}. */
  private static int count(String json, String field) throws Exception {
    int n = 0;
    try (JsonParser p = new JsonFactory().createParser(json.getBytes(StandardCharsets.UTF_8))) {
      for (JsonToken tok = p.nextToken(); tok != null; tok = p.nextToken()) {
        if (tok == JsonToken.FIELD_NAME && p.currentName().equals(field)) {
          n++;
        }
      }
    }
    return n;
  }
}
