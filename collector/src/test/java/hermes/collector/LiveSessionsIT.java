package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions are live while they run, end to end with the OpenTelemetry Java SDK over OTLP/HTTP and
 * OTLP/gRPC. The settle delay is ten minutes here: whatever the test sees before that was shown
 * live, not settled.
 */
class LiveSessionsIT {
  private Collector collector;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    collector =
        TestCollectors.startFull(
            "sessions.settle_delay", "10m", "sessions.rootless_idle_timeout", "1s");
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + collector.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static void await(BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private BooleanSupplier body(String path, String contains) {
    return () -> {
      try {
        return get(path).contains(contains);
      } catch (Exception e) {
        return false;
      }
    };
  }

  private BooleanSupplier gauge(String series, double value) {
    return () -> {
      try {
        return TestCollectors.sample(collector, series) == value;
      } catch (Exception e) {
        return false;
      }
    };
  }

  private SpanExporter exporter(String protocol) {
    return protocol.equals("http")
        ? SdkExporters.http(collector.httpAddress().getPort())
        : SdkExporters.grpc(collector.grpcAddress().getPort());
  }

  private static Span llm(Tracer tracer) {
    return tracer
        .spanBuilder("chat deepseek-v3-0324")
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("hermes.span.kind", "LLM")
        .setAttribute("gen_ai.request.model", "deepseek-v3-0324")
        .setAttribute("hermes.provider", "deepseek")
        .setAttribute("gen_ai.usage.input_tokens", 100L)
        .setAttribute("gen_ai.usage.output_tokens", 10L)
        .setAttribute(
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
        .startSpan();
  }

  @SuppressWarnings("try") // Scope is closed for its side effect
  private void aRunningHermesSessionIsLive(String protocol) throws Exception {
    String key = "live-" + protocol;
    String service = "agent-" + protocol;
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
            .addSpanProcessor(SimpleSpanProcessor.create(exporter(protocol)))
            .build();
    try {
      Tracer tracer = provider.get("hermes-plugin-otel-tracing");
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
          llm(tracer).end(); // names no session
          tracer
              .spanBuilder("hermes.tool.terminal")
              .setAttribute("hermes.span.kind", "TOOL")
              .setAttribute("hermes.tool.name", "terminal")
              .setAttribute("hermes.session.id", key)
              .startSpan()
              .end();
          SdkExporters.flush(provider);
          // The turn and the session are still running: the session is live all the same.
          await(body("/api/sessions?status=live", "\"key\":\"" + key + "\""), "listed live");
          assertThat(get("/api/sessions/" + key))
              .startsWith("200 ")
              .contains("\"status\":\"live\"")
              .contains("\"llm_calls\":1")
              .contains("\"tool_calls\":1");
          await(
              gauge("hermes_active_sessions{service=\"" + service + "\",}", 1),
              "counted in hermes_active_sessions");
          llm(tracer).end(); // the totals grow as calls arrive
          SdkExporters.flush(provider);
          await(body("/api/sessions/" + key, "\"llm_calls\":2"), "totals grow");
        } finally {
          turn.end();
        }
      } finally {
        session.end();
      }
      SdkExporters.flush(provider);
    } finally {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRunningSessionIsLiveOverHttp() throws Exception {
    aRunningHermesSessionIsLive("http");
  }

  @Test
  void aRunningSessionIsLiveOverGrpc() throws Exception {
    aRunningHermesSessionIsLive("grpc");
  }

  /** OpenLLMetry, one trace per turn, no session span: it ends after its own quiet period. */
  @Test
  @SuppressWarnings("try")
  void aRootlessSessionEndsAfterItsQuietPeriod() throws Exception {
    String key = "tl-chat";
    String service = "openllmetry-app";
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
            .addSpanProcessor(SimpleSpanProcessor.create(exporter("grpc")))
            .build();
    try {
      Tracer tracer = provider.get("traceloop");
      Span workflow =
          tracer
              .spanBuilder("joke.workflow")
              .setAttribute("traceloop.span.kind", "workflow")
              .setAttribute("traceloop.association.properties.session_id", key)
              .startSpan();
      try (Scope s1 = workflow.makeCurrent()) {
        tracer
            .spanBuilder("read_file.tool")
            .setAttribute("traceloop.span.kind", "tool")
            .setAttribute("traceloop.association.properties.session_id", key)
            .startSpan()
            .end();
      } finally {
        workflow.end();
      }
      SdkExporters.flush(provider);
      await(body("/api/sessions/" + key, "\"tool_calls\":1"), "live");
      await(body("/api/sessions/" + key, "\"status\":\"finished\""), "ended after 1 s of quiet");
      assertThat(get("/api/sessions/" + key)).contains("\"outcome\":\"completed\"");
      await(gauge("hermes_active_sessions{service=\"" + service + "\",}", 0), "no longer active");
      assertThat(
              TestCollectors.sample(
                  collector,
                  "hermes_sessions_total{service=\"" + service + "\",outcome=\"completed\",}"))
          .isEqualTo(1);
      assertThat(TestCollectors.scrape(collector))
          .contains("hermes_tool_call_total{tool_name=\"read_file\",status=\"success\",} 1.0");
    } finally {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
