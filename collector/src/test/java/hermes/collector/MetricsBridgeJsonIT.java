package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OTLP/JSON metrics reach the bridge too: the receiver transcodes them to protobuf, which the
 * bridge parses with the generated classes (issue 16), so JSON and protobuf exports come out of
 * /metrics alike; a malformed JSON export is refused whole.
 */
class MetricsBridgeJsonIT {
  private static final String EXPORT =
      """
      {"resourceMetrics":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"agent-json"}}]},
       "scopeMetrics":[{"scope":{"name":"hermes-agent.otel_tracing","version":"0.1.0"},
        "metrics":[
         {"name":"hermes.tool.duration","unit":"ms","histogram":{"aggregationTemporality":2,
          "dataPoints":[{"attributes":[{"key":"tool","value":{"stringValue":"terminal"}}],
           "count":"2","sum":250,"bucketCounts":["1","1"],"explicitBounds":[100]}]}},
         {"name":"hermes.session.turn_count","sum":{"isMonotonic":true,"aggregationTemporality":2,
          "dataPoints":[{"asInt":"3","attributes":[
           {"key":"hermes.gen_ai.token.type","value":{"stringValue":"input"}}]}]}}]}]}]}
      """;

  private Collector collector;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.startFull();
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private int post(String json) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/metrics"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void jsonExportsAreBridgedAsProtobufOnesAre() throws Exception {
    assertThat(post(EXPORT.replace("agent-json", "agent-broken").replace("]}]}]}", "]}]}")))
        .isEqualTo(400);
    assertThat(post(EXPORT)).isEqualTo(200);
    String text = TestCollectors.scrape(collector);
    assertThat(text)
        .contains(
            "hermes_hermes_tool_duration_seconds_sum{job=\"agent-json\",tool=\"terminal\",} 0.25")
        .contains(
            "hermes_hermes_tool_duration_seconds_bucket{job=\"agent-json\",tool=\"terminal\",le=\"0.1\",} 1.0")
        .contains(
            "hermes_hermes_session_turn_count_total{gen_ai_token_type=\"input\",job=\"agent-json\",} 3.0")
        .doesNotContain("agent-broken");
  }
}
