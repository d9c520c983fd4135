package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hermes plugin's seven instruments, sent by the OpenTelemetry Java SDK's OTLP metric
 * exporters, come out of /metrics under the names the reference deployment queries, with the right
 * values, for delta and cumulative temporality alike.
 */
class MetricsBridgeIT {
  private Collector collector;

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.startFull();
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  /** Records like the plugin, twice, with an export after each round. */
  private static void plugin(MetricExporter exporter, String service) {
    SdkMeterProvider provider =
        SdkMeterProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
            .registerMetricReader(
                PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build())
            .build();
    Meter meter = provider.get("hermes-plugin-otel-tracing");
    DoubleHistogram opDuration =
        meter.histogramBuilder("gen_ai.client.operation.duration").setUnit("s").build();
    LongHistogram tokenUsage =
        meter.histogramBuilder("gen_ai.client.token.usage").setUnit("{token}").ofLongs().build();
    DoubleHistogram toolDuration =
        meter.histogramBuilder("hermes.tool.duration").setUnit("s").build();
    DoubleHistogram turnDuration =
        meter.histogramBuilder("hermes.turn.duration").setUnit("s").build();
    LongHistogram apiCalls =
        meter.histogramBuilder("hermes.turn.api_call_count").setUnit("{call}").ofLongs().build();
    LongHistogram toolCalls =
        meter.histogramBuilder("hermes.turn.tool_call_count").setUnit("{call}").ofLongs().build();
    LongCounter turns = meter.counterBuilder("hermes.session.turn_count").setUnit("{turn}").build();
    Attributes model =
        Attributes.of(
            AttributeKey.stringKey("gen_ai.operation.name"), "chat",
            AttributeKey.stringKey("gen_ai.request.model"), "deepseek-v3-0324");
    for (int round = 0; round < 2; round++) {
      opDuration.record(1.5, model);
      opDuration.record(0.25, model);
      tokenUsage.record(1200, model.toBuilder().put("gen_ai.token.type", "input").build());
      tokenUsage.record(300, model.toBuilder().put("gen_ai.token.type", "output").build());
      toolDuration.record(0.125, Attributes.of(AttributeKey.stringKey("tool"), "terminal"));
      turnDuration.record(3.0);
      apiCalls.record(2);
      toolCalls.record(1);
      turns.add(1, Attributes.of(AttributeKey.stringKey("platform"), "cli"));
      assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }

  private void assertBridged(String job) throws Exception {
    String text = TestCollectors.scrape(collector);
    String chat =
        "gen_ai_operation_name=\"chat\",gen_ai_request_model=\"deepseek-v3-0324\",job=\""
            + job
            + "\"";
    assertThat(text)
        .contains(
            "hermes_gen_ai_client_operation_duration_seconds_bucket{" + chat + ",le=\"+Inf\",} 4.0")
        .contains("hermes_gen_ai_client_operation_duration_seconds_sum{" + chat + ",} 3.5")
        .contains(
            "hermes_gen_ai_client_token_usage_sum{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"deepseek-v3-0324\",gen_ai_token_type=\"input\",job=\""
                + job
                + "\",} 2400.0")
        .contains(
            "hermes_hermes_tool_duration_seconds_sum{job=\"" + job + "\",tool=\"terminal\",} 0.25")
        .contains("hermes_hermes_turn_duration_seconds_count{job=\"" + job + "\",} 2.0")
        .contains("hermes_hermes_turn_api_call_count_sum{job=\"" + job + "\",} 4.0")
        .contains("hermes_hermes_turn_tool_call_count_sum{job=\"" + job + "\",} 2.0")
        .contains(
            "hermes_hermes_session_turn_count_total{job=\"" + job + "\",platform=\"cli\",} 2.0");
  }

  @Test
  void cumulativeOverHttp() throws Exception {
    plugin(
        OtlpHttpMetricExporter.builder()
            .setEndpoint("http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/metrics")
            .build(),
        "agent-cumulative");
    assertBridged("agent-cumulative");
  }

  @Test
  void deltaOverGrpc() throws Exception {
    plugin(
        OtlpGrpcMetricExporter.builder()
            .setEndpoint("http://127.0.0.1:" + collector.grpcAddress().getPort())
            .setAggregationTemporalitySelector(AggregationTemporalitySelector.deltaPreferred())
            .build(),
        "agent-delta");
    assertBridged("agent-delta");
  }
}
