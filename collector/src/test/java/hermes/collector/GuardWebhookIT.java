package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.guard.WebhookReceiver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A looping agent, driven by the OpenTelemetry Java SDK, trips {@code guards.tool_repeat} and the
 * webhook receiver (a real HTTP server) gets exactly one signed POST for it, while a normal session
 * in the same run trips nothing.
 *
 * <p>Needs the guard evaluation (the {@code guards.tool_repeat} key and {@code
 * hermes_session_guard_trips_total}), built on a parallel branch: on the webhook's branch alone the
 * collector refuses the unknown key and this test fails; after both are merged it must pass.
 */
@Timeout(120)
class GuardWebhookIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20); // polls the condition
    }
  }

  private static String get(Collector c, String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + c.adminAddress().getPort() + path))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  /** The sum of every series of {@code family} on {@code /metrics}. */
  private static double total(Collector c, String family) {
    try {
      double sum = 0;
      for (String line : TestCollectors.scrape(c).split("\n")) {
        if (line.startsWith(family + "{") || line.startsWith(family + " ")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    } catch (Exception e) {
      return -1;
    }
  }

  /**
   * A hermes-plugin session of one turn whose tool calls are {@code toolArgs}, in order, a request
   * per call (as a slow agent's batch processor sends them).
   */
  private static void session(
      SdkTracerProvider provider, Tracer tracer, String key, List<String> toolArgs) {
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", key)
            .startSpan();
    Span turn =
        tracer
            .spanBuilder("hermes.turn")
            .setParent(Context.root().with(session))
            .setAttribute("hermes.span.kind", "CHAIN")
            .setAttribute("hermes.session.id", key)
            .setAttribute("hermes.turn.index", 1)
            .startSpan();
    tracer
        .spanBuilder("chat gpt-4o")
        .setParent(Context.root().with(turn))
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("hermes.span.kind", "LLM")
        .setAttribute("gen_ai.request.model", "gpt-4o")
        .setAttribute("gen_ai.usage.input_tokens", 1000L)
        .setAttribute("gen_ai.usage.output_tokens", 100L)
        .setAttribute(
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("tool_calls"))
        .startSpan()
        .end();
    for (String args : toolArgs) {
      tracer
          .spanBuilder("hermes.tool.web_search")
          .setParent(Context.root().with(turn))
          .setAttribute("hermes.span.kind", "TOOL")
          .setAttribute("hermes.session.id", key)
          .setAttribute("hermes.tool.name", "web_search")
          .setAttribute("hermes.tool.outcome", "success")
          .setAttribute("hermes.tool.args", args)
          .startSpan()
          .end();
      SdkExporters.flush(provider);
    }
    turn.end();
    session.setAttribute("hermes.session.completed", true).end();
  }

  @Test
  void aLoopingAgentGetsOneSignedPostAndANormalOneNone() throws Exception {
    Path secret = dir.resolve("webhook.secret");
    Files.writeString(secret, "loop-secret\n");
    try (WebhookReceiver receiver = WebhookReceiver.start();
        Collector c =
            TestCollectors.startFull(
                "sessions.settle_delay",
                "100ms",
                "guards.tool_repeat",
                "5",
                "guards.webhook_url",
                receiver.url("/trips"),
                "guards.webhook_secret_file",
                secret.toString());
        SdkTracerProvider provider =
            SdkTracerProvider.builder()
                .setResource(
                    Resource.getDefault().toBuilder().put("service.name", "looping-agent").build())
                .addSpanProcessor(
                    SimpleSpanProcessor.create(SdkExporters.http(c.httpAddress().getPort())))
                .build()) {
      Tracer tracer = provider.get("hermes-plugin-otel-tracing");
      String same = "{\"query\":\"weather in Paris\"}";
      session(
          provider, tracer, "normal-1", List.of("{\"q\":\"a\"}", "{\"q\":\"b\"}", "{\"q\":\"c\"}"));
      session(provider, tracer, "loop-1", List.of(same, same, same, same, same, same, same, same));
      SdkExporters.flush(provider);

      WebhookReceiver.Delivery d = receiver.take();
      assertThat(d.signedWith("loop-secret")).isTrue();
      JsonNode trip = JSON.readTree(d.body());
      assertThat(trip.get("session_key").asText()).isEqualTo("loop-1");
      assertThat(trip.get("service").asText()).isEqualTo("looping-agent");
      assertThat(trip.get("guard").asText()).isEqualTo("tool_repeat");
      assertThat(trip.get("limit").asInt()).isEqualTo(5);
      assertThat(trip.get("value").asInt()).isGreaterThanOrEqualTo(5);
      assertThat(trip.get("trace_id").asText()).matches("[0-9a-f]{32}");
      assertThat(trip.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

      // Both sessions over: no more trips can come. Every trip counted has been posted.
      await(
          () ->
              get(c, "/api/sessions/loop-1").contains("\"status\":\"finished\"")
                  && get(c, "/api/sessions/normal-1").contains("\"status\":\"finished\""),
          "both sessions finished");
      await(
          () ->
              total(c, "hermes_session_guard_trips_total") >= 1
                  && total(c, "hermes_collector_guard_webhook_sent_total")
                      == total(c, "hermes_session_guard_trips_total"),
          "every trip posted");
      assertThat(total(c, "hermes_session_guard_trips_total")).isEqualTo(1);
      assertThat(receiver.all()).hasSize(1);
      assertThat(total(c, "hermes_collector_guard_webhook_dropped_total")).isZero();
    }
  }
}
