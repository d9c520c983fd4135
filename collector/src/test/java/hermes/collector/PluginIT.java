package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real reference plugin ({@code hermes-plugin-otel-tracing} 0.1.1 with its OpenTelemetry Python
 * SDK, from the virtualenv {@code .ci/run} installs) driven through its 8 hooks as hermes-agent
 * calls them ({@code src/test/python/plugin_session.py}), exporting to the collector: what the
 * operator sees afterwards in the sessions API and on /metrics.
 */
class PluginIT {
  private static final String MODEL = "deepseek-v3-0324";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private Collector collector;

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.startFull("sessions.settle_delay", "200ms");
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  @Test
  void pluginOverOtlpHttp() throws Exception {
    String sid = "20260415_101500_http";
    runPlugin(sid, "otlp", "http://127.0.0.1:" + collector.httpAddress().getPort());
    assertOperatorView(sid, "OTLP/HTTP");
  }

  @Test
  void pluginOverOtlpGrpc() throws Exception {
    String sid = "20260415_101500_grpc";
    runPlugin(sid, "otlp_grpc", "http://127.0.0.1:" + collector.grpcAddress().getPort());
    assertOperatorView(sid, "OTLP/gRPC");
  }

  /**
   * The runaway guard on the real plugin: a turn that calls the same tool with the same arguments
   * eight times (the plugin exports them as {@code hermes.tool.args}) trips {@code tool_repeat}
   * exactly once, and nothing else.
   */
  @Test
  void loopingPluginTripsToolRepeatOnce() throws Exception {
    String sid = "20260415_101500_loop";
    runPlugin(sid, "otlp", "http://127.0.0.1:" + collector.httpAddress().getPort(), "loop");
    await(() -> get("/api/sessions/" + sid).contains("\"outcome\":\"completed\""));
    JsonNode s = JSON.readTree(get("/api/sessions/" + sid));
    assertThat(s.get("tool_calls").asInt()).isEqualTo(8);
    assertThat(s.get("llm_calls").asInt()).isEqualTo(9);
    JsonNode guards = s.get("guards");
    assertThat(guards).as(s.toString()).hasSize(1);
    assertThat(guards.get(0).get("guard").asText()).isEqualTo("tool_repeat");
    // the run as seen when it was judged: the plugin's batch brings all eight calls at once
    assertThat(guards.get(0).get("value").asInt()).isBetween(5, 8);
    assertThat(guards.get(0).get("limit").asInt()).isEqualTo(5);
    assertThat(guards.get(0).get("trace_id").asText()).isEqualTo(s.get("trace_id").asText());
    assertThat(
            TestCollectors.scrape(collector)
                .lines()
                .filter(l -> l.startsWith("hermes_session_guard_trips_total{")))
        .containsExactly(
            "hermes_session_guard_trips_total{guard=\"tool_repeat\",service=\"hermes-agent\",} 1.0");
  }

  /** Runs the driver to completion; its exports are flushed before it exits. */
  static String runPlugin(String sessionId, String exporter, String endpoint, String... mode)
      throws Exception {
    Path python = Peers.pluginPython();
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                python.toString(),
                Path.of("src/test/python/plugin_session.py").toString(),
                sessionId));
    command.addAll(java.util.List.of(mode));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("HERMES_OTEL_EXPORTER", exporter);
    pb.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    pb.environment().put("OTEL_SERVICE_NAME", "hermes-agent");
    pb.environment().put("HERMES_OTEL_LOG_FILE", ""); // not /tmp/tencent/hermes-agent.log
    pb.environment().remove("OTEL_EXPORTER_OTLP_PROTOCOL");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    // The plugin logs its export failures through the opentelemetry loggers (stderr).
    assertThat(out).doesNotContain("Failed to export").doesNotContain("Traceback");
    String last = out.strip().lines().reduce((a, b) -> b).orElseThrow();
    return JSON.readTree(last.substring(last.indexOf('{'))).get("trace_id").asText();
  }

  private void assertOperatorView(String sid, String protocol) throws Exception {
    await(() -> get("/api/sessions/" + sid).contains("\"outcome\":\"completed\""));
    JsonNode s = JSON.readTree(get("/api/sessions/" + sid));
    assertThat(s.get("key").asText()).isEqualTo(sid);
    assertThat(s.get("service").asText()).isEqualTo("hermes-agent");
    assertThat(s.get("turns").asInt()).as(protocol).isEqualTo(1);
    assertThat(s.get("llm_calls").asInt()).isEqualTo(2);
    assertThat(s.get("tool_calls").asInt()).isEqualTo(2);
    assertThat(s.get("tool_errors").asInt()).isEqualTo(1);
    assertThat(s.get("platform").asText()).isEqualTo("cli");
    JsonNode turn = s.get("turn_list").get(0);
    assertThat(s.get("turn_list")).hasSize(1);
    assertThat(turn.get("index").asInt()).isEqualTo(1);
    assertThat(turn.get("trace_id").asText()).isEqualTo(s.get("trace_id").asText());
    JsonNode calls = turn.get("llm_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.findValuesAsText("model")).containsOnly(MODEL);
    assertThat(calls.findValuesAsText("provider")).containsOnly("deepseek");
    assertThat(calls.findValuesAsText("finish_reason")).containsExactly("tool_calls", "stop");
    JsonNode tools = turn.get("tool_calls");
    assertThat(tools).hasSize(2);
    assertThat(tools.findValuesAsText("name")).containsExactly("terminal", "read_file");
    assertThat(tools.findValuesAsText("status")).containsExactly("success", "error");
    // hermes-agent's input_tokens are uncached: 1000 + 200 cached, 1300 + 1000 cached.
    JsonNode tokens = s.get("tokens");
    assertThat(tokens.get("input").asLong()).isEqualTo(3500);
    assertThat(tokens.get("output").asLong()).isEqualTo(200);
    assertThat(tokens.get("cache_read").asLong()).isEqualTo(1200);
    assertThat(tokens.get("reasoning").asLong()).isEqualTo(20);
    // deepseek-v3-0324: input 0.27, cache read 0.07, output 1.10 USD per million tokens.
    assertThat(s.get("cost_usd").decimalValue())
        .isEqualByComparingTo("0.000925"); // (2300 x 0.27 + 1200 x 0.07 + 200 x 1.10) / 1e6
    assertThat(s.get("unpriced_tokens").asLong()).isZero();
    assertThat(s.get("guards")).as("a normal session trips no guard").isEmpty();

    // The seed-000 series, and the plugin's seven instruments bridged under the seed-003 names.
    String m = TestCollectors.scrape(collector);
    String model = "model=\"" + MODEL + "\"";
    assertThat(m)
        .contains("hermes_tokens_total{" + model + ",token_type=\"prompt\",} 3500.0")
        .contains("hermes_tokens_total{" + model + ",token_type=\"completion\",} 200.0")
        .contains("hermes_tokens_total{" + model + ",token_type=\"cache_read\",} 1200.0")
        .contains("hermes_tool_call_total{tool_name=\"read_file\",status=\"error\",} 1.0")
        .contains("hermes_tool_call_total{tool_name=\"terminal\",status=\"success\",} 1.0")
        .contains("hermes_step_duration_seconds_count{" + model + ",step_type=\"tool_call\",} 1.0")
        .contains("hermes_step_duration_seconds_count{" + model + ",step_type=\"final\",} 1.0")
        .contains("hermes_request_duration_seconds_count{status=\"success\",} 1.0")
        .contains("hermes_sessions_total{service=\"hermes-agent\",outcome=\"completed\",} 1.0")
        .contains("hermes_cost_usd_total{" + model + ",provider=\"deepseek\",}");
    await(
        () -> TestCollectors.scrape(collector).contains("hermes_hermes_session_turn_count_total"));
    m = TestCollectors.scrape(collector);
    // Every series of the plugin's meter carries job (service.name) and instance.
    String any = "\\{[^}]*";
    String mid = "[^}]*";
    assertThat(m)
        // recorded in seconds although the instrument says ms: renamed, not scaled
        .containsPattern("hermes_gen_ai_client_operation_duration_seconds_sum" + any + "} 3.75\n")
        .containsPattern(
            "hermes_gen_ai_client_operation_duration_seconds_bucket"
                + any
                + "gen_ai_request_model=\"deepseek-v3-0324\""
                + mid
                + "le=\"5.0\",} 2.0")
        // the plugin's "input" is hermes-agent's uncached input (1000 + 1300)
        .containsPattern(
            "hermes_gen_ai_client_token_usage_sum"
                + any
                + "gen_ai_token_type=\"input\""
                + mid
                + "} 2300.0")
        .containsPattern(
            "hermes_gen_ai_client_token_usage_sum"
                + any
                + "gen_ai_token_type=\"output\""
                + mid
                + "} 200.0")
        .containsPattern(
            "hermes_hermes_tool_duration_seconds_count"
                + any
                + "hermes_tool_name=\"read_file\""
                + mid
                + "} 1.0")
        .containsPattern("hermes_hermes_turn_duration_seconds_count" + any + "} 1.0")
        .containsPattern("hermes_hermes_turn_api_call_count_sum" + any + "} 2.0")
        .containsPattern("hermes_hermes_turn_tool_call_count_sum" + any + "} 2.0")
        .containsPattern(
            "hermes_hermes_session_turn_count_total"
                + any
                + "hermes_platform=\"cli\""
                + mid
                + "} 1.0")
        .doesNotContain("_milliseconds")
        .doesNotContain("hermes_gen_ai_token_type");
    // The plugin's ms bucket bounds (5 ms ... 10 s) are scaled to seconds too.
    assertThat(m)
        .containsPattern("hermes_hermes_turn_duration_seconds_bucket" + any + "le=\"0.005\",}");
  }

  private String get(String path) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + collector.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static void await(Check condition) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (!condition.ok()) {
      assertThat(Instant.now()).as("condition within 30 s").isBefore(deadline);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /** A condition polled until true. */
  interface Check {
    boolean ok() throws Exception;
  }
}
