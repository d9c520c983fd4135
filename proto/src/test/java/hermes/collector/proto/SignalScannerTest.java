package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.metrics.v1.Exemplar;
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
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SignalScannerTest {
  @Test
  void countsDataPointsOfEveryType() throws Exception {
    byte[] body = OtlpJsonTranscoderTest.everyMetricType().toByteArray();
    // gauge 2 + sum 1 + histogram 1 + exponential 1 + summary 1
    assertThat(SignalScanner.metrics(ReaderLimits.DEFAULT).scan(body)).isEqualTo(6);
  }

  /**
   * One point of every type, with attributes on the resource (2, one of them a key-value list of
   * two more), the scope (1), every point (1 each) and an exemplar (1): 11 key-values.
   */
  static ExportMetricsServiceRequest attributed() {
    KeyValue a =
        KeyValue.newBuilder().setKey("a").setValue(AnyValue.newBuilder().setIntValue(1)).build();
    KeyValue nested =
        KeyValue.newBuilder()
            .setKey("list")
            .setValue(
                AnyValue.newBuilder()
                    .setKvlistValue(KeyValueList.newBuilder().addValues(a).addValues(a)))
            .build();
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(a).addAttributes(nested))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .setScope(InstrumentationScope.newBuilder().addAttributes(a))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("g")
                                .setGauge(
                                    Gauge.newBuilder()
                                        .addDataPoints(
                                            NumberDataPoint.newBuilder()
                                                .addAttributes(a)
                                                .addExemplars(
                                                    Exemplar.newBuilder()
                                                        .addFilteredAttributes(a)))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("s")
                                .setSum(
                                    Sum.newBuilder()
                                        .addDataPoints(
                                            NumberDataPoint.newBuilder().addAttributes(a))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("h")
                                .setHistogram(
                                    Histogram.newBuilder()
                                        .addDataPoints(
                                            HistogramDataPoint.newBuilder().addAttributes(a))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("e")
                                .setExponentialHistogram(
                                    ExponentialHistogram.newBuilder()
                                        .addDataPoints(
                                            ExponentialHistogramDataPoint.newBuilder()
                                                .addAttributes(a))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("q")
                                .setSummary(
                                    Summary.newBuilder()
                                        .addDataPoints(
                                            SummaryDataPoint.newBuilder().addAttributes(a))))))
        .build();
  }

  @Test
  void countsPointsAndKeyValuesAtEveryLevel() throws Exception {
    byte[] body = attributed().toByteArray();
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    assertThat(scanner.scan(body, 5, 11, 43)).isEqualTo(new SignalScanner.Counts(5, 11, 43));
    assertThat(scanner.scan(body)).isEqualTo(5);
    assertThat(
            scanner
                .scan(OtlpJsonTranscoderTest.everyMetricType().toByteArray(), 6, 1000, 1000)
                .items())
        .isEqualTo(6);
  }

  @Test
  void stopsAtTheFirstCountPastItsBound() {
    byte[] body = attributed().toByteArray();
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    assertThatThrownBy(() -> scanner.scan(body, 4, 11, 43))
        .isInstanceOfSatisfying(
            OverBoundException.class,
            e -> {
              assertThat(e.bound()).isEqualTo(OverBoundException.Bound.ITEMS);
              assertThat(e.limit()).isEqualTo(4);
            })
        .hasMessage("more than 4 items");
    assertThatThrownBy(() -> scanner.scan(body, 5, 10, 43))
        .isInstanceOfSatisfying(
            OverBoundException.class,
            e -> assertThat(e.bound()).isEqualTo(OverBoundException.Bound.ATTRIBUTES))
        .hasMessage("more than 10 attributes");
    assertThatThrownBy(() -> scanner.scan(body, 5, 11, 42))
        .isInstanceOfSatisfying(
            OverBoundException.class,
            e -> assertThat(e.bound()).isEqualTo(OverBoundException.Bound.MESSAGES))
        .hasMessage("more than 42 messages");
  }

  @Test
  void messagesThePointAndAttributeCountsMissAreCounted() throws Exception {
    // 100,000 empty metrics (2 bytes each) in one scope, then 100,000 empty exemplars in one point:
    // no data points or attributes to speak of, but an object each once parsed.
    int n = 100_000;
    byte[] metrics = new byte[2 * n];
    byte[] exemplars = new byte[2 * n];
    for (int i = 0; i < n; i++) {
      metrics[2 * i] = 0x12; // ScopeMetrics.metrics, length 0
      exemplars[2 * i] = 0x2a; // NumberDataPoint.exemplars, length 0
    }
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    byte[] emptyMetrics =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.parseFrom(metrics)))
            .build()
            .toByteArray();
    assertThat(scanner.scan(emptyMetrics, 1, 0, n + 2))
        .isEqualTo(new SignalScanner.Counts(0, 0, n + 2));
    assertThatThrownBy(() -> scanner.scan(emptyMetrics, 1, 0, n))
        .isInstanceOf(OverBoundException.class)
        .hasMessage("more than " + n + " messages");
    byte[] emptyExemplars =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder()
                            .addMetrics(
                                Metric.newBuilder()
                                    .setGauge(
                                        Gauge.newBuilder()
                                            .addDataPoints(NumberDataPoint.parseFrom(exemplars))))))
            .build()
            .toByteArray();
    assertThat(scanner.scan(emptyExemplars, 1, 0, n + 5))
        .isEqualTo(new SignalScanner.Counts(1, 0, n + 5));
    assertThatThrownBy(() -> scanner.scan(emptyExemplars, 1, 0, n))
        .isInstanceOf(OverBoundException.class);
  }

  @Test
  void aPointBombIsRefusedWithoutReadingPastTheBound() throws Exception {
    // 1,000,000 empty gauge points (2 bytes each), then bytes that are not protobuf at all: the
    // scan stops at point 1,001, before the garbage.
    int n = 1_000_000;
    byte[] points = new byte[2 * n];
    for (int i = 0; i < n; i++) {
      points[2 * i] = 0x0a; // Gauge.data_points, length 0
    }
    Metric metric = Metric.newBuilder().setName("bomb").setGauge(Gauge.parseFrom(points)).build();
    byte[] ok =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(metric)))
            .build()
            .toByteArray();
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    assertThat(scanner.scan(ok, n, 0, n + 4)).isEqualTo(new SignalScanner.Counts(n, 0, n + 4));
    byte[] bomb = Arrays.copyOf(ok, ok.length + 3);
    bomb[ok.length] = 0x0a;
    bomb[ok.length + 1] = 0x7f; // a truncated ResourceMetrics
    assertThatThrownBy(() -> scanner.scan(bomb, n, 0, n + 5))
        .isInstanceOf(MalformedOtlpException.class);
    assertThatThrownBy(() -> scanner.scan(bomb, 1000, 0, n))
        .isInstanceOf(OverBoundException.class)
        .hasMessage("more than 1000 items");
  }

  @Test
  void countsLogRecords() throws Exception {
    byte[] body = OtlpJsonTranscoderTest.someLogs().toByteArray();
    assertThat(SignalScanner.logs(ReaderLimits.DEFAULT).scan(body)).isEqualTo(2);
  }

  @Test
  void countsSpansAcrossResourcesAndScopesWithoutDecodingThem() throws Exception {
    io.opentelemetry.proto.trace.v1.Span span =
        io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("s").build();
    io.opentelemetry.proto.trace.v1.ScopeSpans two =
        io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
            .addSpans(span)
            .addSpans(span)
            .build();
    byte[] body =
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
                    .addScopeSpans(two)
                    .addScopeSpans(two))
            .addResourceSpans(
                io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder().addScopeSpans(two))
            .build()
            .toByteArray();
    assertThat(SignalScanner.traces(ReaderLimits.DEFAULT).scan(body)).isEqualTo(6);
  }

  @Test
  void everyTruncationIsRejectedOrCountedCleanly() {
    byte[] body = OtlpJsonTranscoderTest.everyMetricType().toByteArray();
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    for (int len = 0; len < body.length; len++) {
      byte[] cut = Arrays.copyOf(body, len);
      try {
        assertThat(scanner.scan(cut)).isLessThanOrEqualTo(6);
      } catch (MalformedOtlpException e) {
        assertThat(e.getMessage()).startsWith("Malformed: ").contains(" at byte ");
      }
    }
  }

  @Test
  void garbageIsMalformed() {
    assertThatThrownBy(() -> SignalScanner.logs(ReaderLimits.DEFAULT).scan(new byte[] {0x0a, 5, 1}))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessage("Malformed: truncated length-delimited field 1 at byte 1");
  }
}
