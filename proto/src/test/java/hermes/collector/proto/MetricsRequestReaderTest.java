package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsRequestReaderTest {
  /** Our reader's visits, one line per item. */
  static List<String> visits(byte[] body) throws MalformedOtlpException {
    List<String> out = new ArrayList<>();
    new MetricsRequestReader(ReaderLimits.DEFAULT)
        .read(
            body,
            new MetricsVisitor() {
              @Override
              public void resource(ResourceView r) {
                out.add("resource " + attrs(r.attributes()));
              }

              @Override
              public void scope(ScopeView s) {
                out.add("scope " + s.name() + " " + s.version());
              }

              @Override
              public void metric(MetricView m) {
                out.add(
                    "metric "
                        + m.name()
                        + "|"
                        + m.description()
                        + "|"
                        + m.unit()
                        + "|"
                        + m.type()
                        + "|"
                        + m.temporality()
                        + "|"
                        + m.monotonic());
              }

              @Override
              public void point(PointView p) {
                out.add(
                    MetricsRequestReaderTest.point(
                        attrs(p.attributes()),
                        p.startTimeUnixNano(),
                        p.timeUnixNano(),
                        p.flags(),
                        p.type() == MetricView.Type.GAUGE || p.type() == MetricView.Type.SUM
                            ? (p.isInt() ? "int:" + p.intValue() : "double:" + p.value())
                            : "",
                        p.count(),
                        p.hasSum() ? Double.toString(p.sum()) : "-",
                        Arrays.toString(Arrays.copyOf(p.bucketCounts(), p.bucketCountsLength())),
                        Arrays.toString(
                            Arrays.copyOf(p.explicitBounds(), p.explicitBoundsLength())),
                        p.scale()
                            + "/"
                            + p.zeroCount()
                            + "/"
                            + p.positiveOffset()
                            + Arrays.toString(Arrays.copyOf(p.positiveCounts(), p.positiveLength()))
                            + "/"
                            + p.negativeOffset()
                            + Arrays.toString(
                                Arrays.copyOf(p.negativeCounts(), p.negativeLength())),
                        Arrays.toString(Arrays.copyOf(p.quantiles(), p.quantilesLength()))
                            + Arrays.toString(
                                Arrays.copyOf(p.quantileValues(), p.quantilesLength()))));
              }
            });
    return out;
  }

  private static String attrs(Attributes a) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(a.key(i) + "=" + Visits.render(a.value(i)));
    }
    return out.toString();
  }

  private static String attrs(List<KeyValue> kvs) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : kvs) {
      out.add(kv.getKey() + "=" + Visits.render(Visits.toObject(kv.getValue())));
    }
    return out.toString();
  }

  static String point(
      String attrs,
      long start,
      long time,
      int flags,
      String value,
      long count,
      String sum,
      String buckets,
      String bounds,
      String exp,
      String summary) {
    return String.join(
        " ",
        "point",
        attrs,
        "" + start,
        "" + time,
        "" + flags,
        value,
        "" + count,
        sum,
        buckets,
        bounds,
        exp,
        summary);
  }

  /** The same lines from the generated classes (the oracle). */
  static List<String> expected(ExportMetricsServiceRequest req) {
    List<String> out = new ArrayList<>();
    for (ResourceMetrics rm : req.getResourceMetricsList()) {
      out.add("resource " + attrs(rm.getResource().getAttributesList()));
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        out.add("scope " + sm.getScope().getName() + " " + sm.getScope().getVersion());
        for (Metric m : sm.getMetricsList()) {
          String type;
          int temporality = 0;
          boolean monotonic = false;
          switch (m.getDataCase()) {
            case GAUGE:
              type = "GAUGE";
              break;
            case SUM:
              type = "SUM";
              temporality = m.getSum().getAggregationTemporalityValue();
              monotonic = m.getSum().getIsMonotonic();
              break;
            case HISTOGRAM:
              type = "HISTOGRAM";
              temporality = m.getHistogram().getAggregationTemporalityValue();
              break;
            case EXPONENTIAL_HISTOGRAM:
              type = "EXPONENTIAL_HISTOGRAM";
              temporality = m.getExponentialHistogram().getAggregationTemporalityValue();
              break;
            case SUMMARY:
              type = "SUMMARY";
              break;
            default:
              type = "NONE";
          }
          out.add(
              "metric "
                  + m.getName()
                  + "|"
                  + m.getDescription()
                  + "|"
                  + m.getUnit()
                  + "|"
                  + type
                  + "|"
                  + temporality
                  + "|"
                  + monotonic);
          String noExp = "0/0/0[]/0[]";
          List<NumberDataPoint> numbers =
              m.hasGauge()
                  ? m.getGauge().getDataPointsList()
                  : m.hasSum() ? m.getSum().getDataPointsList() : List.of();
          for (NumberDataPoint p : numbers) {
            String v =
                p.getValueCase() == NumberDataPoint.ValueCase.AS_INT
                    ? "int:" + p.getAsInt()
                    : "double:" + p.getAsDouble();
            out.add(
                point(
                    attrs(p.getAttributesList()),
                    p.getStartTimeUnixNano(),
                    p.getTimeUnixNano(),
                    p.getFlags(),
                    v,
                    0,
                    "-",
                    "[]",
                    "[]",
                    noExp,
                    "[][]"));
          }
          if (m.hasHistogram()) {
            for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
              out.add(
                  point(
                      attrs(p.getAttributesList()),
                      p.getStartTimeUnixNano(),
                      p.getTimeUnixNano(),
                      p.getFlags(),
                      "",
                      p.getCount(),
                      p.hasSum() ? Double.toString(p.getSum()) : "-",
                      p.getBucketCountsList().toString(),
                      p.getExplicitBoundsList().toString(),
                      noExp,
                      "[][]"));
            }
          }
          if (m.hasExponentialHistogram()) {
            for (ExponentialHistogramDataPoint p :
                m.getExponentialHistogram().getDataPointsList()) {
              String exp =
                  p.getScale()
                      + "/"
                      + p.getZeroCount()
                      + "/"
                      + p.getPositive().getOffset()
                      + p.getPositive().getBucketCountsList()
                      + "/"
                      + p.getNegative().getOffset()
                      + p.getNegative().getBucketCountsList();
              out.add(
                  point(
                      attrs(p.getAttributesList()),
                      p.getStartTimeUnixNano(),
                      p.getTimeUnixNano(),
                      p.getFlags(),
                      "",
                      p.getCount(),
                      p.hasSum() ? Double.toString(p.getSum()) : "-",
                      "[]",
                      "[]",
                      exp,
                      "[][]"));
            }
          }
          if (m.hasSummary()) {
            for (SummaryDataPoint p : m.getSummary().getDataPointsList()) {
              List<Double> qs = new ArrayList<>();
              List<Double> vs = new ArrayList<>();
              for (SummaryDataPoint.ValueAtQuantile q : p.getQuantileValuesList()) {
                qs.add(q.getQuantile());
                vs.add(q.getValue());
              }
              out.add(
                  point(
                      attrs(p.getAttributesList()),
                      p.getStartTimeUnixNano(),
                      p.getTimeUnixNano(),
                      p.getFlags(),
                      "",
                      p.getCount(),
                      Double.toString(p.getSum()),
                      "[]",
                      "[]",
                      noExp,
                      qs.toString() + vs));
            }
          }
        }
      }
    }
    return out;
  }

  static ExportMetricsServiceRequest random(Random r) {
    ScopeMetrics.Builder sm = ScopeMetrics.newBuilder();
    sm.getScopeBuilder().setName(Requests.text(r)).setVersion(Requests.text(r));
    for (int i = r.nextInt(6); i > 0; i--) {
      Metric.Builder m =
          Metric.newBuilder()
              .setName(Requests.text(r))
              .setUnit(r.nextBoolean() ? "s" : "{token}")
              .setDescription(Requests.text(r));
      AggregationTemporality t =
          r.nextBoolean()
              ? AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
              : AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
      switch (r.nextInt(5)) {
        case 0 -> m.setGauge(Gauge.newBuilder().addDataPoints(number(r)).addDataPoints(number(r)));
        case 1 ->
            m.setSum(
                Sum.newBuilder()
                    .setAggregationTemporality(t)
                    .setIsMonotonic(r.nextBoolean())
                    .addDataPoints(number(r)));
        case 2 -> {
          HistogramDataPoint.Builder p =
              HistogramDataPoint.newBuilder()
                  .setCount(r.nextInt(100))
                  .setTimeUnixNano(r.nextLong());
          if (r.nextBoolean()) {
            p.setSum(r.nextDouble());
          }
          for (int k = r.nextInt(5); k > 0; k--) {
            p.addBucketCounts(r.nextInt(10)).addExplicitBounds(r.nextDouble());
          }
          p.addAttributes(Requests.kv(Requests.text(r), Requests.value(r, 0)));
          m.setHistogram(Histogram.newBuilder().setAggregationTemporality(t).addDataPoints(p));
        }
        case 3 -> {
          ExponentialHistogramDataPoint.Builder p =
              ExponentialHistogramDataPoint.newBuilder()
                  .setScale(r.nextInt(10) - 5)
                  .setZeroCount(r.nextInt(5))
                  .setCount(r.nextInt(50))
                  .setSum(r.nextDouble());
          p.getPositiveBuilder().setOffset(r.nextInt(20) - 10);
          for (int k = r.nextInt(6); k > 0; k--) {
            p.getPositiveBuilder().addBucketCounts(r.nextInt(300));
          }
          p.getNegativeBuilder().setOffset(-r.nextInt(5));
          for (int k = r.nextInt(3); k > 0; k--) {
            p.getNegativeBuilder().addBucketCounts(r.nextInt(3));
          }
          m.setExponentialHistogram(
              ExponentialHistogram.newBuilder().setAggregationTemporality(t).addDataPoints(p));
        }
        default -> {
          SummaryDataPoint.Builder p =
              SummaryDataPoint.newBuilder().setCount(r.nextInt(9)).setSum(r.nextDouble());
          for (int k = r.nextInt(4); k > 0; k--) {
            p.addQuantileValues(
                SummaryDataPoint.ValueAtQuantile.newBuilder()
                    .setQuantile(r.nextDouble())
                    .setValue(r.nextGaussian()));
          }
          m.setSummary(Summary.newBuilder().addDataPoints(p));
        }
      }
      sm.addMetrics(m);
    }
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(Requests.kv("service.name", Requests.str(Requests.text(r)))))
                .addScopeMetrics(sm))
        .build();
  }

  private static NumberDataPoint number(Random r) {
    NumberDataPoint.Builder p =
        NumberDataPoint.newBuilder()
            .setStartTimeUnixNano(r.nextLong())
            .setTimeUnixNano(r.nextLong())
            .setFlags(r.nextInt(2));
    if (r.nextBoolean()) {
      p.setAsInt(r.nextLong());
    } else {
      p.setAsDouble(r.nextGaussian());
    }
    for (int k = r.nextInt(3); k > 0; k--) {
      p.addAttributes(Requests.kv(Requests.text(r), Requests.value(r, 0)));
    }
    return p.build();
  }

  @Test
  void everyMetricTypeMatchesTheGeneratedClasses() throws Exception {
    ExportMetricsServiceRequest req = OtlpJsonTranscoderTest.everyMetricType();
    assertThat(visits(req.toByteArray())).isEqualTo(expected(req));
  }

  @Test
  void randomRequestsMatchTheGeneratedClasses() throws Exception {
    Random r = new Random(99);
    for (int i = 0; i < 300; i++) {
      ExportMetricsServiceRequest req = random(r);
      assertThat(visits(req.toByteArray())).as("request %d", i).isEqualTo(expected(req));
    }
  }

  @Test
  void everyTruncationIsJudgedAsTheGeneratedParserJudgesIt() throws Exception {
    byte[] body = OtlpJsonTranscoderTest.everyMetricType().toByteArray();
    for (int len = 0; len < body.length; len++) {
      byte[] cut = Arrays.copyOf(body, len);
      boolean oracle;
      try {
        ExportMetricsServiceRequest.parseFrom(cut);
        oracle = true;
      } catch (InvalidProtocolBufferException e) {
        oracle = false;
      }
      try {
        List<String> v = visits(cut);
        assertThat(oracle).as("accepted a truncation at %d", len).isTrue();
        assertThat(v).isEqualTo(expected(ExportMetricsServiceRequest.parseFrom(cut)));
      } catch (MalformedOtlpException e) {
        assertThat(oracle).as("rejected a valid truncation at %d: %s", len, e).isFalse();
      }
    }
  }
}
