package hermes.collector.metrics;

import static hermes.collector.metrics.OtlpMetricsBridgeTest.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import hermes.collector.proto.MalformedOtlpException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hostile inputs the retired streaming reader's tests covered ({@code
 * MetricsRequestReaderTest}, {@code MetricsReaderFuzzTest}), now asked of the bridge, which parses
 * with the generated classes: whatever the bytes, a request is applied whole or refused as
 * malformed and changes nothing, and every bound it hits is counted.
 */
class OtlpMetricsBridgeHostileTest {
  private final OtlpMetricsBridge bridge =
      new OtlpMetricsBridge("hermes", 300_000_000_000L, 50, 64, () -> 0L);

  /** One metric of every type, with attributes on the resource and the points. */
  static ExportMetricsServiceRequest everyMetricType() {
    NumberDataPoint number =
        NumberDataPoint.newBuilder()
            .addAttributes(kv("gen_ai.token.type", "input"))
            .setTimeUnixNano(2)
            .setAsInt(42)
            .build();
    HistogramDataPoint.Builder histogram =
        HistogramDataPoint.newBuilder()
            .addAttributes(kv("tool", "terminal"))
            .setCount(3)
            .setSum(1.5)
            .addBucketCounts(1)
            .addBucketCounts(2)
            .addExplicitBounds(0.5);
    ExponentialHistogramDataPoint.Builder exponential =
        ExponentialHistogramDataPoint.newBuilder().setScale(1).setZeroCount(1).setCount(4);
    exponential.getPositiveBuilder().setOffset(-1).addBucketCounts(2).addBucketCounts(1);
    SummaryDataPoint summary =
        SummaryDataPoint.newBuilder()
            .setCount(2)
            .setSum(3)
            .addQuantileValues(
                SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(1))
            .build();
    AggregationTemporality delta = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", "agent"))
                        .addAttributes(kv("host.name", "pod-1")))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("g")
                                .setGauge(Gauge.newBuilder().addDataPoints(number)))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("c")
                                .setSum(
                                    Sum.newBuilder()
                                        .setIsMonotonic(true)
                                        .setAggregationTemporality(delta)
                                        .addDataPoints(number)))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("h")
                                .setUnit("s")
                                .setHistogram(
                                    Histogram.newBuilder()
                                        .setAggregationTemporality(delta)
                                        .addDataPoints(histogram)))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("e")
                                .setExponentialHistogram(
                                    ExponentialHistogram.newBuilder()
                                        .setAggregationTemporality(delta)
                                        .addDataPoints(exponential)))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("s")
                                .setSummary(Summary.newBuilder().addDataPoints(summary)))))
        .build();
  }

  static String scrape(OtlpMetricsBridge bridge) throws Exception {
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(bridge);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, r.metricFamilySamples());
    return w.toString();
  }

  private static boolean parses(byte[] b) {
    try {
      ExportMetricsServiceRequest.parseFrom(b);
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  @Test
  void everyTruncationIsAppliedWholeOrChangesNothing() throws Exception {
    byte[] body = everyMetricType().toByteArray();
    assertThat(bridge.accept(body).rejected()).isZero();
    int refused = 0;
    for (int len = 0; len < body.length; len++) {
      byte[] cut = Arrays.copyOf(body, len);
      String before = scrape(bridge);
      if (parses(cut)) {
        bridge.accept(cut); // a valid prefix: applied as protobuf reads it
      } else {
        refused++;
        assertThatThrownBy(() -> bridge.accept(cut))
            .as("truncation at %d", len)
            .isInstanceOf(MalformedOtlpException.class);
        assertThat(scrape(bridge)).as("truncation at %d changed the bridge", len).isEqualTo(before);
      }
    }
    assertThat(refused).isPositive();
  }

  @Test
  void aValidRequestWithGarbageAfterItChangesNothing() throws Exception {
    String before = scrape(bridge);
    byte[] body = everyMetricType().toByteArray();
    byte[] bad = Arrays.copyOf(body, body.length + 3);
    bad[body.length] = 0x0a; // resource_metrics, length 200: past the end
    bad[body.length + 1] = (byte) 0xc8;
    bad[body.length + 2] = 0x01;
    assertThatThrownBy(() -> bridge.accept(bad)).isInstanceOf(MalformedOtlpException.class);
    assertThat(scrape(bridge)).isEqualTo(before).doesNotContain("hermes_g{");
    assertThat(bridge.accept(body).rejected()).isZero();
    assertThat(scrape(bridge)).contains("hermes_g{");
  }

  @Test
  void randomBytesAndRandomFlipsAreAppliedOrRefusedNothingElse() throws Exception {
    Random r = new Random(16);
    byte[] body = everyMetricType().toByteArray();
    for (int i = 0; i < 2000; i++) {
      byte[] b = i % 2 == 0 ? body.clone() : new byte[r.nextInt(64)];
      if (i % 2 == 0) {
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
      } else {
        r.nextBytes(b);
      }
      String before = scrape(bridge);
      try {
        bridge.accept(b);
      } catch (MalformedOtlpException e) {
        assertThat(scrape(bridge)).as("input %d", i).isEqualTo(before);
      }
    }
    assertThat(scrape(bridge)).contains("hermes_collector_bridge_series");
  }

  @Test
  void manySeriesInOneRequestStopAtTheBoundAndAreCounted() throws Exception {
    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 0; i < 10_000; i++) {
      g.addDataPoints(NumberDataPoint.newBuilder().setAsInt(i).addAttributes(kv("i", "" + i)));
    }
    OtlpMetricsBridge.Result r =
        bridge.accept(
            OtlpMetricsBridgeTest.request(Metric.newBuilder().setName("bomb").setGauge(g).build())
                .toByteArray());
    // 50 series at most, target_info among them: 49 gauges, the other 9,951 points refused.
    assertThat(r.rejected()).isEqualTo(9_951);
    assertThat(r.message()).contains("metrics.bridge.max_series");
    String text = scrape(bridge);
    assertThat(text).contains("hermes_collector_bridge_series 50.0");
    assertThat(text.lines().filter(l -> l.startsWith("hermes_bomb{")).count()).isEqualTo(49);
    assertThat(text)
        .contains("hermes_collector_metric_points_rejected_total{reason=\"series_limit\",} 9951.0");
  }

  @Test
  void attributesPastTheBoundAreDroppedAndCounted() throws Exception {
    NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setAsDouble(1);
    for (int i = 0; i < OtlpMetricsBridge.MAX_ATTRIBUTES + 500; i++) {
      p.addAttributes(kv(String.format("k%05d", i), "v"));
    }
    bridge.accept(
        OtlpMetricsBridgeTest.request(
                Metric.newBuilder()
                    .setName("wide")
                    .setGauge(Gauge.newBuilder().addDataPoints(p))
                    .build())
            .toByteArray());
    String text = scrape(bridge);
    String line = text.lines().filter(l -> l.startsWith("hermes_wide{")).findFirst().orElseThrow();
    assertThat(line).contains("k01023=\"v\"").doesNotContain("k01024");
    assertThat(text).contains("hermes_collector_bridge_label_values_truncated_total 500.0");
  }

  @Test
  void theAttributeBoundIsTheConfiguredOne() throws Exception {
    // otlp.max_attributes_per_span reaches the bridge: 3 attributes become labels, 2 are counted.
    OtlpMetricsBridge narrow = new OtlpMetricsBridge("hermes", Long.MAX_VALUE, 50, 256, 3, () -> 0);
    NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setAsDouble(1);
    for (int i = 0; i < 5; i++) {
      p.addAttributes(kv("k" + i, "v"));
    }
    narrow.accept(
        OtlpMetricsBridgeTest.request(
                Metric.newBuilder()
                    .setName("narrow")
                    .setGauge(Gauge.newBuilder().addDataPoints(p))
                    .build())
            .toByteArray());
    String text = scrape(narrow);
    String line =
        text.lines().filter(l -> l.startsWith("hermes_narrow{")).findFirst().orElseThrow();
    assertThat(line).contains("k2=\"v\"").doesNotContain("k3");
    assertThat(text).contains("hermes_collector_bridge_label_values_truncated_total 2.0");
  }

  @Test
  void deeplyNestedAndHugeValuesAreCutToTheLabelBound() throws Exception {
    AnyValue v = AnyValue.newBuilder().setStringValue("x".repeat(100_000)).build();
    for (int i = 0; i < 40; i++) { // 2 levels each: within protobuf's recursion limit of 100
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    NumberDataPoint p =
        NumberDataPoint.newBuilder()
            .setAsDouble(1)
            .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(v))
            .build();
    assertThat(
            bridge
                .accept(
                    OtlpMetricsBridgeTest.request(
                            Metric.newBuilder()
                                .setName("deep")
                                .setGauge(Gauge.newBuilder().addDataPoints(p))
                                .build())
                        .toByteArray())
                .rejected())
        .isZero();
    String text = scrape(bridge);
    String line = text.lines().filter(l -> l.startsWith("hermes_deep{")).findFirst().orElseThrow();
    assertThat(line).contains("deep=\"" + "[".repeat(40) + "x".repeat(24) + "\"");
    assertThat(line.length()).isLessThan(200);
    assertThat(text).contains("hermes_collector_bridge_label_values_truncated_total 1.0");
  }

  @Test
  void nestingPastProtobufsRecursionLimitIsMalformed() throws Exception {
    AnyValue v = AnyValue.newBuilder().setStringValue("x").build();
    for (int i = 0; i < 50; i++) { // 100 levels and the request's 8
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    byte[] body =
        OtlpMetricsBridgeTest.request(
                Metric.newBuilder()
                    .setName("deep")
                    .setGauge(
                        Gauge.newBuilder()
                            .addDataPoints(
                                NumberDataPoint.newBuilder()
                                    .addAttributes(
                                        KeyValue.newBuilder().setKey("deep").setValue(v))))
                    .build())
            .toByteArray();
    String before = scrape(bridge);
    assertThatThrownBy(() -> bridge.accept(body)).isInstanceOf(MalformedOtlpException.class);
    assertThat(scrape(bridge)).isEqualTo(before);
  }
}
