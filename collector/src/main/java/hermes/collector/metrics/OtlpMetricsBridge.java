package hermes.collector.metrics;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Re-exposes the agent's own OTLP metrics to Prometheus (the metric contract's section B),
 * following the OpenTelemetry Prometheus compatibility rules: names with a namespace and unit
 * suffix, {@code _total} on monotonic sums, histograms as {@code _bucket/_sum/_count}, delta points
 * accumulated into cumulative series, exponential histograms converted to explicit buckets, the
 * resource's {@code service.name} as {@code job} (its other attributes on {@code target_info}), and
 * series dropped after an idle time.
 *
 * <p>Requests are decoded with the generated {@code opentelemetry-proto} classes: an agent sends
 * metrics once per export interval (60 s by default), not per span, so this is not a hot path.
 *
 * <p>Threading: {@link #accept} (I/O threads) and {@link #collect} (scrapes) synchronize on the
 * bridge; both are short and rare.
 */
public final class OtlpMetricsBridge extends Collector {
  /** What {@link #accept} rejected, as OTLP partial success. */
  public record Result(long rejected, String message) {}

  private enum Kind {
    COUNTER(Type.COUNTER),
    GAUGE(Type.GAUGE),
    HISTOGRAM(Type.HISTOGRAM),
    SUMMARY(Type.SUMMARY);

    final Type type;

    Kind(Type type) {
      this.type = type;
    }
  }

  private static final class Series {
    final Kind kind;
    final String family;
    final List<String> labelNames;
    final List<String> labelValues;
    String help;
    long lastUpdate;
    long startTime;
    double value; // counter, gauge
    double[] bounds = new double[0]; // histogram upper bounds (+Inf implied)
    long[] counts = new long[1]; // histogram, per bucket (not cumulative)
    long count; // histogram, summary
    double sum; // histogram, summary
    double[] quantiles = new double[0]; // summary
    double[] quantileValues = new double[0];

    Series(Kind kind, String family, List<String> labelNames, List<String> labelValues) {
      this.kind = kind;
      this.family = family;
      this.labelNames = labelNames;
      this.labelValues = labelValues;
    }
  }

  private final String namespace;
  private final long ttlNanos;
  private final int maxSeries;
  private final LongSupplier clock;
  private final Map<List<String>, Series> series = new HashMap<>();
  private final Map<String, Kind> familyKinds = new HashMap<>();
  private final Map<List<String>, Series> targetInfo = new HashMap<>();
  private final Map<String, LongAdder> rejected = new LinkedHashMap<>();
  private long expired;

  /**
   * A bridge.
   *
   * @param namespace prefix of every name ({@code metrics.bridge.namespace}; empty for none)
   * @param ttlNanos a series not updated for this long is dropped
   * @param maxSeries series kept at most; points of new series past it are rejected
   * @param clock monotonic nanoseconds
   */
  public OtlpMetricsBridge(String namespace, long ttlNanos, int maxSeries, LongSupplier clock) {
    this.namespace = namespace;
    this.ttlNanos = ttlNanos;
    this.maxSeries = maxSeries;
    this.clock = clock;
    for (String reason :
        List.of(
            "invalid_value", "mismatched_bounds", "type_conflict", "series_limit", "unsupported")) {
      rejected.put(reason, new LongAdder());
    }
  }

  /** Applies one (already validated) request. */
  public synchronized Result accept(ExportMetricsServiceRequest req) {
    long now = clock.getAsLong();
    long bad = 0;
    String first = null;
    for (ResourceMetrics rm : req.getResourceMetricsList()) {
      Map<String, String> resource = new TreeMap<>();
      for (KeyValue kv : rm.getResource().getAttributesList()) {
        resource.put(kv.getKey(), text(kv.getValue()));
      }
      List<String> base = jobLabels(resource);
      touchTargetInfo(resource, base, now);
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          String problem;
          int n = points(m);
          try {
            problem = apply(m, base, now);
          } catch (RuntimeException e) {
            problem = "unsupported: " + e.getMessage();
          }
          if (problem != null) {
            bad += Math.max(1, n);
            String reason = problem.substring(0, problem.indexOf(':'));
            rejected.getOrDefault(reason, rejected.get("unsupported")).add(Math.max(1, n));
            if (first == null) {
              first =
                  "metric '" + m.getName() + "': " + problem.substring(problem.indexOf(':') + 2);
            }
          }
        }
      }
    }
    expire(now);
    return new Result(bad, bad == 0 ? null : bad + " data points rejected; first: " + first);
  }

  private static int points(Metric m) {
    switch (m.getDataCase()) {
      case GAUGE:
        return m.getGauge().getDataPointsCount();
      case SUM:
        return m.getSum().getDataPointsCount();
      case HISTOGRAM:
        return m.getHistogram().getDataPointsCount();
      case EXPONENTIAL_HISTOGRAM:
        return m.getExponentialHistogram().getDataPointsCount();
      case SUMMARY:
        return m.getSummary().getDataPointsCount();
      default:
        return 0;
    }
  }

  /** {@code job} (and {@code instance}) from the resource, as label name/value pairs. */
  private static List<String> jobLabels(Map<String, String> resource) {
    String name = resource.getOrDefault("service.name", "unknown_service");
    String ns = resource.get("service.namespace");
    List<String> out = new ArrayList<>(List.of("job", ns == null ? name : ns + "/" + name));
    String instance = resource.get("service.instance.id");
    if (instance != null) {
      out.add("instance");
      out.add(instance);
    }
    return out;
  }

  private void touchTargetInfo(Map<String, String> resource, List<String> base, long now) {
    TreeMap<String, String> labels = new TreeMap<>();
    for (int i = 0; i < base.size(); i += 2) {
      labels.put(base.get(i), base.get(i + 1));
    }
    for (Map.Entry<String, String> e : resource.entrySet()) {
      String k = e.getKey();
      if (!k.equals("service.name")
          && !k.equals("service.namespace")
          && !k.equals("service.instance.id")) {
        labels.putIfAbsent(PrometheusNames.sanitize(k, false), e.getValue());
      }
    }
    List<String> key = new ArrayList<>();
    labels.forEach(
        (k, v) -> {
          key.add(k);
          key.add(v);
        });
    Series s =
        targetInfo.computeIfAbsent(
            key,
            k ->
                new Series(
                    Kind.GAUGE,
                    "target_info",
                    List.copyOf(labels.keySet()),
                    List.copyOf(labels.values())));
    s.value = 1;
    s.lastUpdate = now;
  }

  /** Applies one metric; returns null, or "reason: what" for a rejection. */
  private String apply(Metric m, List<String> base, long now) {
    String unit = m.getUnit();
    switch (m.getDataCase()) {
      case GAUGE:
        {
          String fam = PrometheusNames.metric(namespace, m.getName(), unit, false, true);
          for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
            double v = number(p);
            if (Double.isNaN(v) && !isStaleMarker(p)) {
              return "invalid_value: NaN gauge value";
            }
            Series s = series(Kind.GAUGE, fam, m, base, p.getAttributesList(), now);
            if (s == null) {
              return conflictOrLimit(fam, Kind.GAUGE);
            }
            s.value = v;
          }
          return null;
        }
      case SUM:
        {
          boolean monotonic = m.getSum().getIsMonotonic();
          boolean delta =
              m.getSum().getAggregationTemporality()
                  == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
          Kind kind = monotonic ? Kind.COUNTER : Kind.GAUGE;
          String fam = PrometheusNames.metric(namespace, m.getName(), unit, monotonic, !monotonic);
          for (NumberDataPoint p : m.getSum().getDataPointsList()) {
            double v = number(p);
            if (Double.isNaN(v) || Double.isInfinite(v)) {
              return "invalid_value: non-finite sum value";
            }
            if (monotonic && v < 0) {
              return "invalid_value: negative value on a monotonic sum";
            }
            Series s = series(kind, fam, m, base, p.getAttributesList(), now);
            if (s == null) {
              return conflictOrLimit(fam, kind);
            }
            if (delta) {
              s.value += v;
            } else {
              s.value = v;
            }
            s.startTime = p.getStartTimeUnixNano();
          }
          return null;
        }
      case HISTOGRAM:
        {
          boolean delta =
              m.getHistogram().getAggregationTemporality()
                  == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
          String fam = PrometheusNames.metric(namespace, m.getName(), unit, false, false);
          for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
            double[] bounds = new double[p.getExplicitBoundsCount()];
            for (int i = 0; i < bounds.length; i++) {
              bounds[i] = p.getExplicitBounds(i);
            }
            long[] counts = new long[p.getBucketCountsCount()];
            for (int i = 0; i < counts.length; i++) {
              counts[i] = p.getBucketCounts(i);
            }
            String problem =
                checkHistogram(bounds, counts, p.getCount(), p.hasSum() ? p.getSum() : 0);
            if (problem != null) {
              return problem;
            }
            if (counts.length == 0) {
              counts = new long[] {p.getCount()};
              bounds = new double[0];
            }
            Series s = series(Kind.HISTOGRAM, fam, m, base, p.getAttributesList(), now);
            if (s == null) {
              return conflictOrLimit(fam, Kind.HISTOGRAM);
            }
            histogram(s, bounds, counts, p.getCount(), p.hasSum() ? p.getSum() : 0, delta);
          }
          return null;
        }
      case EXPONENTIAL_HISTOGRAM:
        {
          boolean delta =
              m.getExponentialHistogram().getAggregationTemporality()
                  == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
          String fam = PrometheusNames.metric(namespace, m.getName(), unit, false, false);
          for (ExponentialHistogramDataPoint p : m.getExponentialHistogram().getDataPointsList()) {
            double base2 = Math.pow(2, Math.pow(2, -p.getScale()));
            int n = p.getPositive().getBucketCountsCount();
            long low = p.getZeroCount();
            for (long c : p.getNegative().getBucketCountsList()) {
              low += c;
            }
            double[] bounds = new double[n + 1];
            long[] counts = new long[n + 2];
            bounds[0] = 0; // zero and negative observations are all <= 0
            counts[0] = low;
            for (int i = 0; i < n; i++) {
              bounds[i + 1] = Math.pow(base2, p.getPositive().getOffset() + i + 1);
              counts[i + 1] = p.getPositive().getBucketCounts(i);
            }
            counts[n + 1] = 0;
            String problem =
                checkHistogram(bounds, counts, p.getCount(), p.hasSum() ? p.getSum() : 0);
            if (problem != null) {
              return problem;
            }
            Series s = series(Kind.HISTOGRAM, fam, m, base, p.getAttributesList(), now);
            if (s == null) {
              return conflictOrLimit(fam, Kind.HISTOGRAM);
            }
            histogram(s, bounds, counts, p.getCount(), p.hasSum() ? p.getSum() : 0, delta);
          }
          return null;
        }
      case SUMMARY:
        {
          String fam = PrometheusNames.metric(namespace, m.getName(), unit, false, false);
          for (SummaryDataPoint p : m.getSummary().getDataPointsList()) {
            if (Double.isNaN(p.getSum())) {
              return "invalid_value: NaN summary sum";
            }
            Series s = series(Kind.SUMMARY, fam, m, base, p.getAttributesList(), now);
            if (s == null) {
              return conflictOrLimit(fam, Kind.SUMMARY);
            }
            s.count = p.getCount();
            s.sum = p.getSum();
            s.quantiles = new double[p.getQuantileValuesCount()];
            s.quantileValues = new double[p.getQuantileValuesCount()];
            for (int i = 0; i < s.quantiles.length; i++) {
              s.quantiles[i] = p.getQuantileValues(i).getQuantile();
              s.quantileValues[i] = p.getQuantileValues(i).getValue();
            }
          }
          return null;
        }
      default:
        return "unsupported: metric without data";
    }
  }

  private static String checkHistogram(double[] bounds, long[] counts, long count, double sum) {
    if (counts.length != 0 && counts.length != bounds.length + 1) {
      return "mismatched_bounds: "
          + counts.length
          + " bucket counts for "
          + bounds.length
          + " bounds (want bounds + 1)";
    }
    for (int i = 0; i < bounds.length; i++) {
      if (Double.isNaN(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        return "mismatched_bounds: bounds not strictly increasing";
      }
    }
    long total = 0;
    for (long c : counts) {
      if (c < 0) {
        return "invalid_value: negative bucket count";
      }
      total += c;
    }
    if (count < 0 || (counts.length > 0 && total != count)) {
      return "invalid_value: bucket counts add up to " + total + ", not the count " + count;
    }
    if (Double.isNaN(sum)) {
      return "invalid_value: NaN histogram sum";
    }
    return null;
  }

  /**
   * Replaces (cumulative) or adds (delta) a histogram point; bounds are merged exactly at edges.
   */
  private static void histogram(
      Series s, double[] bounds, long[] counts, long count, double sum, boolean delta) {
    if (!delta || s.count == 0 && s.sum == 0) {
      s.bounds = bounds;
      s.counts = counts;
      s.count = count;
      s.sum = sum;
      return;
    }
    if (!Arrays.equals(s.bounds, bounds)) {
      // New bounds: count every observation at its bucket's upper bound on the union grid.
      double[] union = Arrays.stream(concat(s.bounds, bounds)).distinct().sorted().toArray();
      long[] merged = new long[union.length + 1];
      rebucket(s.bounds, s.counts, union, merged);
      rebucket(bounds, counts, union, merged);
      s.bounds = union;
      s.counts = merged;
    } else {
      for (int i = 0; i < counts.length; i++) {
        s.counts[i] += counts[i];
      }
    }
    s.count += count;
    s.sum += sum;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void rebucket(double[] from, long[] counts, double[] union, long[] into) {
    for (int i = 0; i < counts.length; i++) {
      int at = i < from.length ? Arrays.binarySearch(union, from[i]) : union.length;
      into[at] += counts[i];
    }
  }

  private static double number(NumberDataPoint p) {
    return p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
  }

  private static boolean isStaleMarker(NumberDataPoint p) {
    return (p.getFlags() & 1) != 0; // FLAG_NO_RECORDED_VALUE
  }

  private String conflictOrLimit(String family, Kind kind) {
    Kind known = familyKinds.get(family);
    if (known != null && known != kind) {
      return "type_conflict: "
          + family
          + " is already a "
          + known.name().toLowerCase(java.util.Locale.ROOT);
    }
    return "series_limit: more than " + maxSeries + " bridged series (metrics.bridge.max_series)";
  }

  /** The series for these labels, created if new; null on a type conflict or past the limit. */
  private Series series(
      Kind kind, String family, Metric m, List<String> base, List<KeyValue> attributes, long now) {
    Kind known = familyKinds.putIfAbsent(family, kind);
    if (known != null && known != kind) {
      return null;
    }
    TreeMap<String, String> labels = new TreeMap<>();
    for (KeyValue kv : attributes) {
      labels.put(PrometheusNames.sanitize(kv.getKey(), false), text(kv.getValue()));
    }
    for (int i = 0; i < base.size(); i += 2) {
      labels.put(base.get(i), base.get(i + 1)); // the resource's job/instance win
    }
    List<String> key = new ArrayList<>(labels.size() * 2 + 1);
    key.add(family);
    labels.forEach(
        (k, v) -> {
          key.add(k);
          key.add(v);
        });
    Series s = series.get(key);
    if (s == null) {
      if (series.size() >= maxSeries) {
        return null;
      }
      s = new Series(kind, family, List.copyOf(labels.keySet()), List.copyOf(labels.values()));
      series.put(key, s);
    }
    s.help = m.getDescription();
    s.lastUpdate = now;
    return s;
  }

  private static String text(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(v.getBoolValue());
      case INT_VALUE:
        return Long.toString(v.getIntValue());
      case DOUBLE_VALUE:
        return Double.toString(v.getDoubleValue());
      case ARRAY_VALUE:
        {
          List<String> parts = new ArrayList<>();
          for (AnyValue e : v.getArrayValue().getValuesList()) {
            parts.add(text(e));
          }
          return parts.toString();
        }
      default:
        return "";
    }
  }

  private void expire(long now) {
    for (Map<List<String>, Series> m : List.of(series, targetInfo)) {
      Iterator<Series> it = m.values().iterator();
      while (it.hasNext()) {
        if (now - it.next().lastUpdate > ttlNanos) {
          it.remove();
          expired++;
        }
      }
    }
  }

  @Override
  public synchronized List<MetricFamilySamples> collect() {
    expire(clock.getAsLong());
    Map<String, List<Series>> byFamily = new TreeMap<>();
    for (Series s : series.values()) {
      byFamily.computeIfAbsent(s.family, k -> new ArrayList<>()).add(s);
    }
    List<MetricFamilySamples> out = new ArrayList<>();
    for (Map.Entry<String, List<Series>> e : byFamily.entrySet()) {
      List<Series> list = e.getValue();
      list.sort(
          (a, b) ->
              String.join("\u0000", a.labelValues).compareTo(String.join("\u0000", b.labelValues)));
      Series first = list.get(0);
      String name = e.getKey();
      String familyName =
          first.kind == Kind.COUNTER ? name.substring(0, name.length() - "_total".length()) : name;
      List<Sample> samples = new ArrayList<>();
      for (Series s : list) {
        render(s, name, samples);
      }
      String help = first.help == null || first.help.isEmpty() ? "OTLP metric " + name : first.help;
      out.add(new MetricFamilySamples(familyName, first.kind.type, help, samples));
    }
    if (!targetInfo.isEmpty()) {
      List<Sample> samples = new ArrayList<>();
      for (Series s : targetInfo.values()) {
        samples.add(new Sample("target_info", s.labelNames, s.labelValues, 1));
      }
      out.add(
          new MetricFamilySamples(
              "target_info", Type.GAUGE, "Target metadata (OTLP resource attributes).", samples));
    }
    List<Sample> rejections = new ArrayList<>();
    rejected.forEach(
        (reason, n) ->
            rejections.add(
                new Sample(
                    "hermes_collector_metric_points_rejected_total",
                    List.of("reason"),
                    List.of(reason),
                    n.sum())));
    out.add(
        new MetricFamilySamples(
            "hermes_collector_metric_points_rejected",
            Type.COUNTER,
            "OTLP metric points rejected as partial success, by reason.",
            rejections));
    out.add(
        new MetricFamilySamples(
            "hermes_collector_bridge_series",
            Type.GAUGE,
            "Series of the agent's own OTLP metrics being re-exposed (bounded by metrics.bridge.max_series).",
            List.of(
                new Sample(
                    "hermes_collector_bridge_series", List.of(), List.of(), series.size()))));
    out.add(
        new MetricFamilySamples(
            "hermes_collector_bridge_series_expired",
            Type.COUNTER,
            "Bridged series dropped after metrics.bridge.series_ttl without an update.",
            List.of(
                new Sample(
                    "hermes_collector_bridge_series_expired_total",
                    List.of(),
                    List.of(),
                    expired))));
    return out;
  }

  private static void render(Series s, String name, List<Sample> out) {
    switch (s.kind) {
      case COUNTER:
      case GAUGE:
        out.add(new Sample(name, s.labelNames, s.labelValues, s.value));
        return;
      case HISTOGRAM:
        {
          List<String> names = new ArrayList<>(s.labelNames);
          names.add("le");
          long running = 0;
          for (int i = 0; i < s.counts.length; i++) {
            running += s.counts[i];
            List<String> values = new ArrayList<>(s.labelValues);
            values.add(i < s.bounds.length ? doubleToGoString(s.bounds[i]) : "+Inf");
            out.add(new Sample(name + "_bucket", names, values, running));
          }
          out.add(new Sample(name + "_count", s.labelNames, s.labelValues, s.count));
          out.add(new Sample(name + "_sum", s.labelNames, s.labelValues, s.sum));
          return;
        }
      case SUMMARY:
        {
          List<String> names = new ArrayList<>(s.labelNames);
          names.add("quantile");
          for (int i = 0; i < s.quantiles.length; i++) {
            List<String> values = new ArrayList<>(s.labelValues);
            values.add(doubleToGoString(s.quantiles[i]));
            out.add(new Sample(name, names, values, s.quantileValues[i]));
          }
          out.add(new Sample(name + "_count", s.labelNames, s.labelValues, s.count));
          out.add(new Sample(name + "_sum", s.labelNames, s.labelValues, s.sum));
          return;
        }
      default:
        throw new IllegalStateException(s.kind.name());
    }
  }
}
