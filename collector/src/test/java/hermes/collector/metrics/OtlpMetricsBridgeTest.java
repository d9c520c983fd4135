package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OtlpMetricsBridgeTest {
  private final AtomicLong clock = new AtomicLong();
  private final OtlpMetricsBridge bridge =
      new OtlpMetricsBridge("hermes", 300_000_000_000L, 100, clock::get);

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder()
        .setKey(k)
        .setValue(AnyValue.newBuilder().setStringValue(v))
        .build();
  }

  static ExportMetricsServiceRequest request(Metric... metrics) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", "hermes-agent"))
                        .addAttributes(kv("host.name", "pod-1")))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder().addAllMetrics(java.util.List.of(metrics))))
        .build();
  }

  static Metric counter(String name, String unit, boolean delta, double v) {
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setSum(
            Sum.newBuilder()
                .setIsMonotonic(true)
                .setAggregationTemporality(
                    delta
                        ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
                        : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(
                    NumberDataPoint.newBuilder()
                        .setAsDouble(v)
                        .addAttributes(kv("platform", "cli"))))
        .build();
  }

  static Metric histogram(
      String name,
      String unit,
      boolean delta,
      long[] counts,
      double[] bounds,
      long count,
      double sum) {
    HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder().setCount(count).setSum(sum);
    for (long c : counts) {
      p.addBucketCounts(c);
    }
    for (double b : bounds) {
      p.addExplicitBounds(b);
    }
    p.addAttributes(kv("gen_ai.token.type", "input"));
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setHistogram(
            Histogram.newBuilder()
                .setAggregationTemporality(
                    delta
                        ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
                        : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(p))
        .build();
  }

  private OtlpMetricsBridge.Result accept(ExportMetricsServiceRequest r) throws Exception {
    return bridge.accept(r.toByteArray());
  }

  private String scrape() throws Exception {
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(bridge);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, r.metricFamilySamples());
    return w.toString();
  }

  @Test
  void namesFollowTheCompatibilityRules() {
    assertThat(PrometheusNames.metric("hermes", "hermes.tool.duration", "s", false, false))
        .isEqualTo("hermes_hermes_tool_duration_seconds");
    assertThat(
            PrometheusNames.metric("hermes", "gen_ai.client.token.usage", "{token}", false, false))
        .isEqualTo("hermes_gen_ai_client_token_usage");
    assertThat(PrometheusNames.metric("hermes", "hermes.session.turn_count", "1", true, false))
        .isEqualTo("hermes_hermes_session_turn_count_total");
    assertThat(PrometheusNames.metric("", "http.server.duration", "ms", false, false))
        .isEqualTo("http_server_duration_milliseconds");
    assertThat(PrometheusNames.metric("", "net.io", "By/s", true, false))
        .isEqualTo("net_io_bytes_per_second_total");
    assertThat(PrometheusNames.metric("", "cpu.utilization", "1", false, true))
        .isEqualTo("cpu_utilization_ratio");
    assertThat(PrometheusNames.metric("", "requests_total", "", true, false))
        .isEqualTo("requests_total");
    assertThat(PrometheusNames.sanitize("9lives..x", true)).isEqualTo("_9lives_x");
  }

  /** The metrics as hermes-plugin-otel-tracing 0.1.1 sends them, under a scope name/version. */
  private static ExportMetricsServiceRequest pluginMeter(String scope, String version) {
    Metric tool =
        histogram(
            "hermes.tool.duration", "ms", false, new long[] {1, 1}, new double[] {250}, 2, 500);
    Metric op =
        histogram(
            "gen_ai.client.operation.duration",
            "ms",
            false,
            new long[] {2, 0},
            new double[] {5},
            2,
            3.75);
    Metric usage =
        op.toBuilder()
            .setName("gen_ai.client.token.usage")
            .setUnit("{token}")
            .setHistogram(
                op.getHistogram().toBuilder()
                    .setDataPoints(
                        0,
                        op.getHistogram().getDataPoints(0).toBuilder()
                            .clearAttributes()
                            .addAttributes(kv("hermes.gen_ai.token.type", "input"))
                            .addAttributes(kv("hermes.provider", "deepseek"))))
            .build();
    ExportMetricsServiceRequest r = request(tool, op, usage);
    return r.toBuilder()
        .setResourceMetrics(
            0,
            r.getResourceMetrics(0).toBuilder()
                .setScopeMetrics(
                    0,
                    r.getResourceMetrics(0).getScopeMetrics(0).toBuilder()
                        .setScope(
                            io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder()
                                .setName(scope)
                                .setVersion(version))))
        .build();
  }

  @Test
  void theReferencePluginsMillisecondsAndPrefixedKeysComeOutAsItsManualQueriesThem()
      throws Exception {
    accept(pluginMeter("hermes-agent.otel_tracing", "0.1.0"));
    String text = scrape();
    assertThat(text)
        // hermes.tool.duration records milliseconds: scaled to seconds, bounds too
        .contains("hermes_hermes_tool_duration_seconds_sum{")
        .contains("le=\"0.25\",} 1.0")
        .containsPattern("hermes_hermes_tool_duration_seconds_sum\\{[^}]*} 0.5\n")
        // gen_ai.client.operation.duration records seconds under unit ms: renamed only
        .containsPattern("hermes_gen_ai_client_operation_duration_seconds_sum\\{[^}]*} 3.75\n")
        // hermes.gen_ai.token.type labels as gen_ai_token_type; other keys keep their names
        .contains("gen_ai_token_type=\"input\"")
        .contains("hermes_provider=\"deepseek\"")
        .doesNotContain("hermes_gen_ai_token_type")
        .doesNotContain("_milliseconds");
  }

  @Test
  void otherMetersWithMillisecondsAreBridgedByThePlainRules() throws Exception {
    accept(pluginMeter("some-other-meter", "0.1.0"));
    accept(pluginMeter("hermes-agent.otel_tracing", "0.2.0"));
    assertThat(scrape())
        .containsPattern("hermes_hermes_tool_duration_milliseconds_sum\\{[^}]*} 500.0\n")
        .contains("hermes_gen_ai_token_type=\"input\"")
        .doesNotContain("hermes_hermes_tool_duration_seconds");
  }

  @Test
  void deltaSumsAccumulateAndCumulativeSumsReplace() throws Exception {
    accept(request(counter("hermes.session.turn_count", "1", true, 3)));
    accept(request(counter("hermes.session.turn_count", "1", true, 2)));
    accept(request(counter("other.count", "1", false, 7)));
    accept(request(counter("other.count", "1", false, 9)));
    String text = scrape();
    assertThat(text)
        .contains("# TYPE hermes_hermes_session_turn_count_total counter")
        .contains(
            "hermes_hermes_session_turn_count_total{job=\"hermes-agent\",platform=\"cli\",} 5.0")
        .contains("hermes_other_count_total{job=\"hermes-agent\",platform=\"cli\",} 9.0")
        .contains("target_info{host_name=\"pod-1\",job=\"hermes-agent\",} 1.0");
  }

  @Test
  void histogramsDeltaAndCumulative() throws Exception {
    double[] bounds = {1, 4, 16};
    accept(
        request(
            histogram(
                "gen_ai.client.token.usage",
                "{token}",
                true,
                new long[] {1, 2, 0, 1},
                bounds,
                4,
                40)));
    accept(
        request(
            histogram(
                "gen_ai.client.token.usage",
                "{token}",
                true,
                new long[] {0, 1, 1, 0},
                bounds,
                2,
                12)));
    String text = scrape();
    String l = "gen_ai_token_type=\"input\",job=\"hermes-agent\",";
    assertThat(text)
        .contains("hermes_gen_ai_client_token_usage_bucket{" + l + "le=\"1.0\",} 1.0")
        .contains("hermes_gen_ai_client_token_usage_bucket{" + l + "le=\"4.0\",} 4.0")
        .contains("hermes_gen_ai_client_token_usage_bucket{" + l + "le=\"16.0\",} 5.0")
        .contains("hermes_gen_ai_client_token_usage_bucket{" + l + "le=\"+Inf\",} 6.0")
        .contains("hermes_gen_ai_client_token_usage_count{" + l + "} 6.0")
        .contains("hermes_gen_ai_client_token_usage_sum{" + l + "} 52.0");
    accept(
        request(
            histogram(
                "hermes.tool.duration", "s", false, new long[] {1, 0}, new double[] {1}, 1, 0.5)));
    accept(
        request(
            histogram(
                "hermes.tool.duration", "s", false, new long[] {2, 1}, new double[] {1}, 3, 2.5)));
    assertThat(scrape()).contains("hermes_hermes_tool_duration_seconds_sum{" + l + "} 2.5");
  }

  @Test
  void exponentialHistogramsBecomeExplicitBuckets() throws Exception {
    // scale 0: base 2; offset 1: buckets (2,4], (4,8]; 1 zero.
    Metric m =
        Metric.newBuilder()
            .setName("latency")
            .setUnit("s")
            .setExponentialHistogram(
                ExponentialHistogram.newBuilder()
                    .setAggregationTemporality(
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                    .addDataPoints(
                        ExponentialHistogramDataPoint.newBuilder()
                            .setScale(0)
                            .setZeroCount(1)
                            .setCount(4)
                            .setSum(13)
                            .setPositive(
                                ExponentialHistogramDataPoint.Buckets.newBuilder()
                                    .setOffset(1)
                                    .addBucketCounts(2)
                                    .addBucketCounts(1))))
            .build();
    assertThat(accept(request(m)).rejected()).isZero();
    assertThat(scrape())
        .contains("hermes_latency_seconds_bucket{job=\"hermes-agent\",le=\"0.0\",} 1.0")
        .contains("hermes_latency_seconds_bucket{job=\"hermes-agent\",le=\"4.0\",} 3.0")
        .contains("hermes_latency_seconds_bucket{job=\"hermes-agent\",le=\"8.0\",} 4.0")
        .contains("hermes_latency_seconds_bucket{job=\"hermes-agent\",le=\"+Inf\",} 4.0");
  }

  @Test
  void badPointsAreRejectedAndCounted() throws Exception {
    OtlpMetricsBridge.Result r =
        accept(
            request(
                histogram("h1", "s", false, new long[] {1, 2}, new double[] {1, 2}, 3, 1),
                histogram("h2", "s", false, new long[] {1, -5}, new double[] {1}, 3, 1),
                counter("c1", "1", false, Double.NaN),
                counter("ok", "1", false, 1)));
    assertThat(r.rejected()).isEqualTo(3);
    assertThat(r.message())
        .isEqualTo(
            "3 data points rejected; first: metric 'h1': 2 bucket counts for 2 bounds (want bounds + 1)");
    // The same name as a gauge after it was a counter: a type conflict.
    Metric gauge =
        Metric.newBuilder()
            .setName("ok")
            .setUnit("1")
            .setSum(
                Sum.newBuilder()
                    .setIsMonotonic(false)
                    .addDataPoints(NumberDataPoint.newBuilder().setAsInt(1)))
            .build();
    assertThat(accept(request(gauge)).rejected()).isZero(); // hermes_ok_ratio: another name
    String text = scrape();
    assertThat(text)
        .contains("hermes_ok_total{job=\"hermes-agent\",platform=\"cli\",} 1.0")
        .contains(
            "hermes_collector_metric_points_rejected_total{reason=\"mismatched_bounds\",} 1.0")
        .contains("hermes_collector_metric_points_rejected_total{reason=\"invalid_value\",} 2.0")
        .doesNotContain("hermes_h1_seconds");
  }

  @Test
  void idleSeriesExpire() throws Exception {
    accept(request(counter("c", "1", true, 1)));
    assertThat(scrape()).contains("hermes_c_total{");
    clock.addAndGet(301_000_000_000L);
    String text = scrape();
    assertThat(text)
        .doesNotContain("hermes_c_total{")
        .contains("hermes_collector_bridge_series_expired_total 2.0");
  }
}
