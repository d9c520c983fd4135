package hermes.collector.metrics;

import static hermes.collector.metrics.OtlpMetricsBridgeTest.kv;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Issue 11 item 5: bridged names, label names and values, and target_info are bounded. */
class OtlpMetricsBridgeBoundsTest {
  private final OtlpMetricsBridge bridge =
      new OtlpMetricsBridge("hermes", 300_000_000_000L, 10, 32, () -> 0L);

  private static ExportMetricsServiceRequest gauge(
      String instance, String name, String labelKey, String labelValue) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", "a"))
                        .addAttributes(kv("service.instance.id", instance))
                        .addAttributes(kv("k".repeat(100), "v".repeat(100))))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .addMetrics(
                            Metric.newBuilder()
                                .setName(name)
                                .setGauge(
                                    Gauge.newBuilder()
                                        .addDataPoints(
                                            NumberDataPoint.newBuilder()
                                                .setAsDouble(1)
                                                .addAttributes(kv(labelKey, labelValue)))))))
        .build();
  }

  private String text() throws Exception {
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(bridge);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, r.metricFamilySamples());
    return w.toString();
  }

  @Test
  void labelNamesAndValuesAreCutAndLongNamesRefused() throws Exception {
    assertThat(
            bridge
                .accept(gauge("i", "up", "key".repeat(20), "\u6a21".repeat(100)).toByteArray())
                .rejected())
        .isZero();
    OtlpMetricsBridge.Result r =
        bridge.accept(gauge("i", "n".repeat(100_000), "x", "y").toByteArray());
    assertThat(r.rejected()).isEqualTo(1);
    assertThat(r.message()).contains("longer than 32 bytes").hasSizeLessThan(300);
    String text = text();
    // 32 bytes: ten 3-byte code points; 'keykeykey...' cut to 32 characters. Two resources' long
    // attribute names and values, and the first point's label name and value: 6 cuts.
    assertThat(text).contains("hermes_up{instance=\"i\",job=\"a\",");
    assertThat(text).contains("keykeykeykeykeykeykeykeykeykeyke=\"" + "\u6a21".repeat(10) + "\"");
    assertThat(text)
        .contains(
            "target_info{instance=\"i\",job=\"a\","
                + "k".repeat(32)
                + "=\""
                + "v".repeat(32)
                + "\",}");
    assertThat(text).doesNotContain("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
    assertThat(text).contains("hermes_collector_bridge_label_values_truncated_total 6.0");
    assertThat(text)
        .contains("hermes_collector_metric_points_rejected_total{reason=\"unsupported\",} 1.0");
  }

  @Test
  void targetInfoCountsAgainstTheSeriesBound() throws Exception {
    for (int i = 0; i < 20; i++) {
      bridge.accept(gauge("i" + i, "up", "x", "y").toByteArray());
    }
    String text = text();
    long targets = text.lines().filter(l -> l.startsWith("target_info{")).count();
    long ups = text.lines().filter(l -> l.startsWith("hermes_up{")).count();
    assertThat(targets).isEqualTo(5);
    assertThat(ups).isEqualTo(5);
    assertThat(text).contains("hermes_collector_bridge_series 10.0");
    // 15 resources refused their target_info, and 15 points their series.
    assertThat(text)
        .contains("hermes_collector_metric_points_rejected_total{reason=\"series_limit\",} 30.0");
  }
}
