package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runaway guards end to end, driven by the OpenTelemetry Java SDK: a hermes agent calling the
 * same tool with the same arguments 8 times in a turn, a GenAI agent making 60 LLM calls in a turn
 * and an OpenInference agent spending past {@code guards.session_cost_usd} each trip their guard
 * exactly once, while their session is still running (the settle delay is ten minutes: what is seen
 * was seen live); a normal session in the same run trips nothing.
 */
class RunawayGuardsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Collector collector;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<SdkTracerProvider> providers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    collector =
        TestCollectors.startFull("sessions.settle_delay", "10m", "guards.session_cost_usd", "1.00");
  }

  @AfterEach
  void stop() {
    for (SdkTracerProvider p : providers) {
      p.shutdown().join(10, TimeUnit.SECONDS);
    }
    collector.close();
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + collector.adminAddress().getPort() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode session(String key) throws Exception {
    HttpResponse<String> r = get("/api/sessions/" + key, null);
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  /** Waits (20 s at most) until session {@code key} is listed and {@code test} holds for it. */
  private JsonNode await(String key, Predicate<JsonNode> test, String what) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      JsonNode s = session(key);
      if (s != null && test.test(s)) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s: " + what + "; last seen: " + s);
      }
      Thread.sleep(20);
    }
  }

  private static boolean tripped(JsonNode s, String guard) {
    for (JsonNode g : s.get("guards")) {
      if (g.get("guard").asText().equals(guard)) {
        return true;
      }
    }
    return false;
  }

  private Tracer tracer(String service, boolean grpc) {
    SpanExporter exporter =
        grpc
            ? OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + collector.grpcAddress().getPort())
                .build()
            : OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces")
                .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    providers.add(provider);
    return provider.get("guards-it");
  }

  private static SdkTracerProvider providerOf(List<SdkTracerProvider> all, int i) {
    return all.get(i);
  }

  private void flush(int provider) {
    assertThat(providerOf(providers, provider).forceFlush().join(30, TimeUnit.SECONDS).isSuccess())
        .isTrue();
  }

  private static Span hermesLlm(Tracer tracer) {
    return tracer
        .spanBuilder("chat deepseek-v3-0324")
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("hermes.span.kind", "LLM")
        .setAttribute("gen_ai.request.model", "deepseek-v3-0324")
        .setAttribute("hermes.provider", "deepseek")
        .setAttribute("gen_ai.usage.input_tokens", 100L)
        .setAttribute("gen_ai.usage.output_tokens", 10L)
        .setAttribute(
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("tool_calls"))
        .startSpan();
  }

  private static Span hermesTool(Tracer tracer, String key, String args) {
    return tracer
        .spanBuilder("hermes.tool.terminal")
        .setAttribute("hermes.span.kind", "TOOL")
        .setAttribute("hermes.tool.name", "terminal")
        .setAttribute("hermes.session.id", key)
        .setAttribute("hermes.tool.args", args)
        .startSpan();
  }

  /**
   * A hermes session (reference plugin shape) whose one turn runs {@code tools} tool calls with
   * {@code args.apply(i)} as arguments, an LLM call before each; before the turn and the session
   * end, {@code whileRunning} runs.
   */
  @SuppressWarnings("try") // Scope is closed for its side effect
  private void hermesSession(
      Tracer tracer,
      int provider,
      String key,
      int tools,
      java.util.function.IntFunction<String> args,
      Step afterStep)
      throws Exception {
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", key)
            .startSpan();
    try (Scope s1 = session.makeCurrent()) {
      Span turn =
          tracer
              .spanBuilder("hermes.turn")
              .setAttribute("hermes.span.kind", "CHAIN")
              .setAttribute("hermes.session.id", key)
              .startSpan();
      try (Scope s2 = turn.makeCurrent()) {
        for (int i = 0; i < tools; i++) {
          hermesLlm(tracer).end();
          hermesTool(tracer, key, args.apply(i)).end();
          flush(provider); // a request per step, as a slow agent's batch processor sends them
          afterStep.run(i);
        }
        hermesLlm(tracer).end();
        flush(provider);
      } finally {
        turn.end();
      }
    } finally {
      session.end();
    }
    flush(provider);
  }

  interface Step {
    void run(int step) throws Exception;
  }

  @Test
  @SuppressWarnings("try")
  void loopingAgentsTripEachGuardOnceWhileTheyRunAndANormalOneTripsNothing() throws Exception {
    // 1. The same tool, the same arguments, 8 times in one turn (OTLP/HTTP, a request per step).
    Tracer looper = tracer("looper", false);
    Instant beforeLoop = Instant.now();
    hermesSession(
        looper,
        0,
        "loop-tools",
        8,
        i -> "{\"command\":\"ls /tmp\"}",
        i -> {
          if (i != 4) {
            return;
          }
          // The fifth identical call is in: the trip comes before the agent's next call.
          JsonNode s =
              await("loop-tools", n -> tripped(n, "tool_repeat"), "tool_repeat tripped live");
          assertThat(s.get("status").asText()).isEqualTo("live"); // the session span is running
          assertThat(s.get("guards")).hasSize(1);
          JsonNode g = s.get("guards").get(0);
          assertThat(g.get("limit").asDouble()).isEqualTo(5);
          assertThat(g.get("value").asDouble()).isEqualTo(5);
          // Stamped when it tripped: after the loop began, on the collector's clock.
          assertThat(Instant.parse(g.get("at").asText())).isAfterOrEqualTo(beforeLoop);
        });

    // 2. 60 LLM calls in one turn: OTel GenAI, over gRPC, batched as the SDK does by default.
    Tracer chatty = tracer("chatty", true);
    Span agent =
        chatty
            .spanBuilder("invoke_agent planner")
            .setAttribute("gen_ai.operation.name", "invoke_agent")
            .setAttribute("gen_ai.conversation.id", "loop-llm")
            .startSpan();
    try (Scope s = agent.makeCurrent()) {
      for (int i = 0; i < 60; i++) {
        chatty
            .spanBuilder("chat gpt-4o")
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.conversation.id", "loop-llm")
            .setAttribute("gen_ai.request.model", "gpt-4o")
            .setAttribute("gen_ai.usage.input_tokens", 50L)
            .setAttribute("gen_ai.usage.output_tokens", 5L)
            .startSpan()
            .end();
      }
      flush(1);
      JsonNode llm = await("loop-llm", n -> tripped(n, "turn_llm_calls"), "turn_llm_calls live");
      assertThat(llm.get("status").asText()).isEqualTo("live");
      assertThat(llm.get("guards").get(0).get("value").asDouble()).isEqualTo(50);
      assertThat(llm.get("guards").get(0).get("limit").asDouble()).isEqualTo(50);
    } finally {
      agent.end();
    }
    flush(1);

    // 3. OpenInference, one trace per turn, the agent's own cost: past guards.session_cost_usd.
    Tracer spender = tracer("spender", false);
    for (int turn = 0; turn < 3; turn++) {
      Span root =
          spender
              .spanBuilder("agent.turn")
              .setAttribute("openinference.span.kind", "AGENT")
              .setAttribute("session.id", "loop-cost")
              .startSpan();
      try (Scope s = root.makeCurrent()) {
        spender
            .spanBuilder("llm")
            .setAttribute("openinference.span.kind", "LLM")
            .setAttribute("session.id", "loop-cost")
            .setAttribute("llm.model_name", "o3")
            .setAttribute("llm.token_count.prompt", 1000L)
            .setAttribute("llm.cost.total", 0.4)
            .startSpan()
            .end();
      } finally {
        root.end();
      }
    }
    flush(2);
    JsonNode cost = await("loop-cost", n -> tripped(n, "session_cost_usd"), "cost tripped");
    assertThat(cost.get("status").asText()).isEqualTo("live"); // its quiet period is 5 minutes
    assertThat(cost.get("guards")).hasSize(1);
    assertThat(cost.get("guards").get(0).get("value").asDouble()).isBetween(1.19, 1.21);
    assertThat(cost.get("guards").get(0).get("limit").asDouble()).isEqualTo(1.0);

    // 4. A normal session: tools with different arguments, a few LLM calls.
    Tracer normal = tracer("normal", false);
    hermesSession(normal, 3, "normal-1", 6, i -> "{\"command\":\"ls /" + i + "\"}", i -> {});

    // Every call is in (the sessions settle after ten minutes: they stay live here).
    await("normal-1", n -> n.get("tool_calls").asInt() == 6, "normal's calls in");
    await("loop-tools", n -> n.get("tool_calls").asInt() == 8, "looper's calls in");
    await("loop-llm", n -> n.get("llm_calls").asInt() == 60, "chatty's calls in");
    assertThat(session("normal-1").get("guards")).isEmpty();
    assertThat(session("loop-tools").get("guards")).hasSize(1); // 8 in a row: still one trip
    assertThat(session("loop-llm").get("guards")).hasSize(1);
    assertThat(session("loop-cost").get("guards")).hasSize(1);

    // The list filter: the three runaways, not the normal one.
    JsonNode list = JSON.readTree(get("/api/sessions?guard=tripped", null).body());
    List<String> keys = new ArrayList<>();
    list.get("sessions").forEach(n -> keys.add(n.get("key").asText()));
    assertThat(keys).containsExactlyInAnyOrder("loop-tools", "loop-llm", "loop-cost");
    JsonNode one = JSON.readTree(get("/api/sessions?guard=turn_llm_calls", null).body());
    assertThat(one.get("sessions"))
        .singleElement()
        .satisfies(n -> assertThat(n.get("key").asText()).isEqualTo("loop-llm"));
    assertThat(get("/api/sessions?guard=loops", null).statusCode()).isEqualTo(400);

    // The counter: one per guard, the normal service nowhere.
    String text = TestCollectors.scrape(collector);
    assertThat(text)
        .contains(
            "hermes_session_guard_trips_total{guard=\"tool_repeat\",service=\"looper\",} 1.0",
            "hermes_session_guard_trips_total{guard=\"turn_llm_calls\",service=\"chatty\",} 1.0",
            "hermes_session_guard_trips_total{guard=\"session_cost_usd\",service=\"spender\",}"
                + " 1.0")
        .doesNotContain("service=\"normal\",} 1.0\nhermes_session_guard");
    assertThat(text.lines().filter(l -> l.startsWith("hermes_session_guard_trips_total")))
        .hasSize(3);
    // OpenMetrics: the trace of the call that tripped it as exemplar.
    String om = get("/metrics", "application/openmetrics-text; version=1.0.0").body();
    String traceId = session("loop-tools").get("guards").get(0).get("trace_id").asText();
    assertThat(traceId).hasSize(32);
    assertThat(om)
        .contains(
            "hermes_session_guard_trips_total{guard=\"tool_repeat\",service=\"looper\"} 1.0 #"
                + " {trace_id=\""
                + traceId
                + "\"}");
  }
}
