package hermes.collector.metrics;

import com.google.protobuf.InvalidProtocolBufferException;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.semconv.Utf8Cut;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Re-exposes the agent's own OTLP metrics to Prometheus (the metric contract's section B),
 * following the OpenTelemetry Prometheus compatibility rules: names with a namespace and unit
 * suffix, {@code _total} on monotonic sums, histograms as {@code _bucket/_sum/_count}, delta points
 * accumulated into cumulative series, exponential histograms converted to explicit buckets, the
 * resource's {@code service.name} as {@code job} (its other attributes on {@code target_info}), and
 * series dropped after an idle time.
 *
 * <p>Requests are parsed whole with the generated {@code ExportMetricsServiceRequest.parseFrom} (an
 * agent exports about a hundred series every 10-60 s: the generated parser costs nothing measurable
 * there, see {@code bench/RESULTS.md}), and only then checked and applied point by point: a
 * malformed request changes nothing. What a hostile request can hold is bounded by {@code
 * otlp.max_request_bytes} before it gets here (its parsed form is several times its bytes: see
 * RESULTS), and what it can leave behind by the series bounds below; every bound hit is counted.
 *
 * <p>Threading: {@link #accept} parses on the calling I/O thread, then checks and applies under the
 * bridge's lock, which {@link #collect} (scrapes) takes too; an agent sends metrics once per export
 * interval (60 s by default), so the lock is neither hot nor contended.
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

  /**
   * The default of how many attributes of one point or resource become labels ({@code
   * otlp.max_attributes_per_span}, which bounds spans, resources and scopes the same way; an SDK
   * keeps 128); the rest are dropped and counted in {@code
   * hermes_collector_bridge_label_values_truncated_total}.
   */
  static final int MAX_ATTRIBUTES = 1024;

  private final String namespace;
  private final long ttlNanos;
  private final int maxSeries;
  private final int maxLabelValueBytes;
  private final int maxAttributes;
  private final LongAdder truncatedValues = new LongAdder();
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
    this(namespace, ttlNanos, maxSeries, 256, clock);
  }

  /**
   * A bridge.
   *
   * @param namespace prefix of every name ({@code metrics.bridge.namespace}; empty for none)
   * @param ttlNanos a series not updated for this long is dropped
   * @param maxSeries series kept at most, {@code target_info} included; points of new series past
   *     it are rejected
   * @param maxLabelValueBytes label values (resource attributes included) are cut to this many
   *     UTF-8 bytes ({@code metrics.bridge.max_label_value_bytes})
   * @param clock monotonic nanoseconds
   */
  public OtlpMetricsBridge(
      String namespace, long ttlNanos, int maxSeries, int maxLabelValueBytes, LongSupplier clock) {
    this(namespace, ttlNanos, maxSeries, maxLabelValueBytes, MAX_ATTRIBUTES, clock);
  }

  /**
   * A bridge.
   *
   * @param namespace prefix of every name ({@code metrics.bridge.namespace}; empty for none)
   * @param ttlNanos a series not updated for this long is dropped
   * @param maxSeries series kept at most, {@code target_info} included; points of new series past
   *     it are rejected
   * @param maxLabelValueBytes label values (resource attributes included) are cut to this many
   *     UTF-8 bytes ({@code metrics.bridge.max_label_value_bytes})
   * @param maxAttributes attributes of one point or resource that become labels, the rest dropped
   *     and counted ({@code otlp.max_attributes_per_span})
   * @param clock monotonic nanoseconds
   */
  public OtlpMetricsBridge(
      String namespace,
      long ttlNanos,
      int maxSeries,
      int maxLabelValueBytes,
      int maxAttributes,
      LongSupplier clock) {
    this.namespace = namespace;
    this.maxAttributes = maxAttributes;
    this.ttlNanos = ttlNanos;
    this.maxSeries = maxSeries;
    this.maxLabelValueBytes = maxLabelValueBytes;
    this.clock = clock;
    for (String reason :
        List.of(
            "invalid_value", "mismatched_bounds", "type_conflict", "series_limit", "unsupported")) {
      rejected.put(reason, new LongAdder());
    }
  }

  /**
   * Applies one request.
   *
   * @throws MalformedOtlpException when it is not a valid request (nothing of it is applied)
   */
  public Result accept(byte[] request) throws MalformedOtlpException {
    // Parse whole, then apply: a malformed request changes nothing. The parsed messages are the
    // only copy; points are checked and applied straight from them.
    ExportMetricsServiceRequest parsed;
    try {
      parsed = ExportMetricsServiceRequest.parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedOtlpException("Malformed ExportMetricsServiceRequest: " + e.getMessage());
    }
    synchronized (this) {
      long now = clock.getAsLong();
      Applier applier = new Applier(now);
      for (ResourceMetrics rm : parsed.getResourceMetricsList()) {
        applier.resource(rm.getResource());
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          applier.scope(sm.getScope());
          for (Metric m : sm.getMetricsList()) {
            applier.metric(m);
          }
        }
      }
      expire(now);
      truncatedValues.add(applier.truncated);
      long bad = applier.rejectedPoints;
      return new Result(
          bad, bad == 0 ? null : bad + " data points rejected; first: " + applier.first);
    }
  }

  /**
   * Checks a parsed request's points and applies them to their series, in order. Runs under the
   * bridge's lock.
   */
  private final class Applier {
    private final long now;
    long rejectedPoints;
    long truncated;
    String first;
    private List<String> base = List.of();
    private String family;
    private Kind kind;
    private boolean isSum; // the data is a Sum (its NaN and infinities are refused)
    private String metricName;
    private String help;
    private boolean delta;
    private boolean quirks; // the reference plugin's meter: see PluginQuirks
    private double scale = 1;
    private String tooLong;

    Applier(long now) {
      this.now = now;
    }

    void resource(Resource r) {
      Map<String, String> resource = new TreeMap<>();
      List<KeyValue> attributes = r.getAttributesList();
      int n = kept(attributes.size());
      for (int i = 0; i < n; i++) {
        KeyValue kv = attributes.get(i);
        resource.putIfAbsent(cut(kv.getKey()), cut(text(kv.getValue())));
      }
      List<String> labels = jobLabels(resource);
      base = labels;
      touchTargetInfo(resource, labels, now);
    }

    void scope(InstrumentationScope s) {
      quirks = PluginQuirks.applies(s.getName(), s.getVersion());
    }

    void metric(Metric m) {
      metricName = m.getName();
      help = m.getDescription();
      String unit = m.getUnit();
      scale = quirks ? PluginQuirks.scale(metricName, unit) : 1;
      unit = quirks ? PluginQuirks.unit(metricName, unit) : unit;
      isSum = false;
      switch (m.getDataCase()) {
        case GAUGE -> {
          kind = Kind.GAUGE;
          delta = false;
          family = PrometheusNames.metric(namespace, metricName, unit, false, true);
        }
        case SUM -> {
          boolean monotonic = m.getSum().getIsMonotonic();
          kind = monotonic ? Kind.COUNTER : Kind.GAUGE;
          isSum = true;
          delta = isDelta(m.getSum().getAggregationTemporality());
          family = PrometheusNames.metric(namespace, metricName, unit, monotonic, !monotonic);
        }
        case HISTOGRAM -> {
          kind = Kind.HISTOGRAM;
          delta = isDelta(m.getHistogram().getAggregationTemporality());
          family = PrometheusNames.metric(namespace, metricName, unit, false, false);
        }
        case EXPONENTIAL_HISTOGRAM -> {
          kind = Kind.HISTOGRAM;
          delta = isDelta(m.getExponentialHistogram().getAggregationTemporality());
          family = PrometheusNames.metric(namespace, metricName, unit, false, false);
        }
        case SUMMARY -> {
          kind = Kind.SUMMARY;
          delta = false;
          family = PrometheusNames.metric(namespace, metricName, unit, false, false);
        }
        default -> {
          return; // no data field: no points either
        }
      }
      tooLong = null;
      if (family.length() > maxLabelValueBytes) {
        // A name is not cut (two metrics would merge): its points are refused, so a flood of
        // huge names cannot make huge series either.
        tooLong =
            "unsupported: name longer than "
                + maxLabelValueBytes
                + " bytes (metrics.bridge.max_label_value_bytes)";
      }
      switch (m.getDataCase()) {
        case GAUGE -> m.getGauge().getDataPointsList().forEach(this::number);
        case SUM -> m.getSum().getDataPointsList().forEach(this::number);
        case HISTOGRAM -> m.getHistogram().getDataPointsList().forEach(this::histogram);
        case EXPONENTIAL_HISTOGRAM ->
            m.getExponentialHistogram().getDataPointsList().forEach(this::exponential);
        default -> m.getSummary().getDataPointsList().forEach(this::summary);
      }
    }

    /**
     * How many of {@code size} attributes become labels: past {@code maxAttributes} the rest are
     * dropped and counted with the cut values, so that one point cannot make a series of a million
     * labels.
     */
    private int kept(int size) {
      if (size <= maxAttributes) {
        return size;
      }
      truncated += size - maxAttributes;
      return maxAttributes;
    }

    /** {@code v} cut to {@code maxLabelValueBytes}: a label value never makes a huge series. */
    private String cut(String v) {
      String c = Utf8Cut.cut(v, maxLabelValueBytes);
      if (c != v) {
        truncated++;
      }
      return c;
    }

    private void reject(String problem) {
      rejectedPoints++;
      String reason = problem.substring(0, problem.indexOf(':'));
      rejected.getOrDefault(reason, rejected.get("unsupported")).increment();
      if (first == null) {
        String name = Utf8Cut.cut(metricName, 64); // the message goes back to the client
        first = "metric '" + name + "': " + problem.substring(problem.indexOf(':') + 2);
      }
    }

    /** The point's labels, or null when its metric's points are refused (then it is counted). */
    private TreeMap<String, String> labels(List<KeyValue> attributes) {
      if (tooLong != null) {
        reject(tooLong);
        return null;
      }
      TreeMap<String, String> labels = new TreeMap<>();
      int n = kept(attributes.size());
      for (int i = 0; i < n; i++) {
        KeyValue kv = attributes.get(i);
        String key = quirks ? PluginQuirks.key(kv.getKey()) : kv.getKey();
        labels.put(cut(PrometheusNames.sanitize(key, false)), cut(text(kv.getValue())));
      }
      for (int i = 0; i < base.size(); i += 2) {
        labels.put(base.get(i), base.get(i + 1)); // the resource's job/instance win
      }
      return labels;
    }

    private void number(NumberDataPoint p) {
      TreeMap<String, String> labels = labels(p.getAttributesList());
      if (labels == null) {
        return;
      }
      double value =
          p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
      String problem = checkNumber(value, p.getFlags());
      if (problem != null) {
        reject(problem);
        return;
      }
      double v = value * scale;
      boolean d = delta;
      update(labels, s -> s.value = d ? s.value + v : v);
    }

    /** Problems of a gauge or sum value; null when it is fine. */
    private String checkNumber(double value, int flags) {
      if (!isSum) {
        boolean noRecordedValue = (flags & 1) != 0;
        return Double.isNaN(value) && !noRecordedValue ? "invalid_value: NaN gauge value" : null;
      }
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        return "invalid_value: non-finite sum value";
      }
      if (kind == Kind.COUNTER && value < 0) {
        return "invalid_value: negative value on a monotonic sum";
      }
      return null;
    }

    private void histogram(HistogramDataPoint p) {
      TreeMap<String, String> labels = labels(p.getAttributesList());
      if (labels == null) {
        return;
      }
      int nb = p.getExplicitBoundsCount();
      double[] bounds = new double[nb];
      for (int i = 0; i < nb; i++) {
        bounds[i] = p.getExplicitBounds(i);
      }
      int nc = p.getBucketCountsCount();
      long[] counts = new long[nc];
      for (int i = 0; i < nc; i++) {
        counts[i] = p.getBucketCounts(i);
      }
      long count = p.getCount();
      double sum = p.hasSum() ? p.getSum() : 0;
      String problem = checkHistogram(bounds, counts, count, sum);
      if (problem != null) {
        reject(problem);
        return;
      }
      if (nc == 0) {
        bounds = new double[0]; // no buckets: the count is all +Inf's
        counts = new long[] {count};
      }
      for (int i = 0; i < bounds.length; i++) {
        bounds[i] *= scale;
      }
      histogramUpdate(labels, bounds, counts, count, sum * scale);
    }

    private void exponential(ExponentialHistogramDataPoint p) {
      TreeMap<String, String> labels = labels(p.getAttributesList());
      if (labels == null) {
        return;
      }
      double base2 = Math.pow(2, Math.pow(2, -p.getScale()));
      ExponentialHistogramDataPoint.Buckets positive = p.getPositive();
      int n = positive.getBucketCountsCount();
      long low = p.getZeroCount();
      ExponentialHistogramDataPoint.Buckets negative = p.getNegative();
      for (int i = 0; i < negative.getBucketCountsCount(); i++) {
        low += negative.getBucketCounts(i);
      }
      double[] bounds = new double[n + 1];
      long[] counts = new long[n + 2];
      counts[0] = low; // zero and negative observations are all <= 0
      for (int i = 0; i < n; i++) {
        bounds[i + 1] = Math.pow(base2, positive.getOffset() + i + 1) * scale;
        counts[i + 1] = positive.getBucketCounts(i);
      }
      double sum = p.hasSum() ? p.getSum() : 0;
      String bad = checkHistogram(bounds, counts, p.getCount(), sum);
      if (bad != null) {
        reject(bad);
        return;
      }
      histogramUpdate(labels, bounds, counts, p.getCount(), sum * scale);
    }

    private void summary(SummaryDataPoint p) {
      TreeMap<String, String> labels = labels(p.getAttributesList());
      if (labels == null) {
        return;
      }
      if (Double.isNaN(p.getSum())) {
        reject("invalid_value: NaN summary sum");
        return;
      }
      long count = p.getCount();
      double sum = p.getSum();
      int n = p.getQuantileValuesCount();
      double[] qs = new double[n];
      double[] vs = new double[n];
      for (int i = 0; i < n; i++) {
        qs[i] = p.getQuantileValues(i).getQuantile();
        vs[i] = p.getQuantileValues(i).getValue();
      }
      update(
          labels,
          s -> {
            s.count = count;
            s.sum = sum;
            s.quantiles = qs;
            s.quantileValues = vs;
          });
    }

    private void histogramUpdate(
        TreeMap<String, String> labels, double[] bounds, long[] counts, long count, double sum) {
      boolean d = delta;
      update(labels, s -> OtlpMetricsBridge.histogram(s, bounds, counts, count, sum, d));
    }

    /** Finds or creates the current metric's series with these labels, then updates it. */
    private void update(TreeMap<String, String> labels, Consumer<Series> update) {
      Series s = series(kind, family, help, labels, now);
      if (s == null) {
        String problem = conflictOrLimit(family, kind);
        rejectedPoints++;
        rejected.get(problem.substring(0, problem.indexOf(':'))).increment();
        if (first == null) {
          first = "metric '" + family + "': " + problem.substring(problem.indexOf(':') + 2);
        }
        return;
      }
      update.accept(s);
    }
  }

  private static boolean isDelta(AggregationTemporality t) {
    return t == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
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
    Series s = targetInfo.get(key);
    if (s == null) {
      // target_info shares the bound: many distinct resources must not grow it without limit.
      if (series.size() + targetInfo.size() >= maxSeries) {
        rejected.get("series_limit").increment();
        return;
      }
      s =
          new Series(
              Kind.GAUGE,
              "target_info",
              List.copyOf(labels.keySet()),
              List.copyOf(labels.values()));
      targetInfo.put(key, s);
    }
    s.value = 1;
    s.lastUpdate = now;
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
      Kind kind, String family, String help, TreeMap<String, String> labels, long now) {
    Kind known = familyKinds.putIfAbsent(family, kind);
    if (known != null && known != kind) {
      return null;
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
      if (series.size() + targetInfo.size() >= maxSeries) {
        return null;
      }
      s = new Series(kind, family, List.copyOf(labels.keySet()), List.copyOf(labels.values()));
      series.put(key, s);
    }
    s.help = help;
    s.lastUpdate = now;
    return s;
  }

  /**
   * An attribute value as label text, as the streaming reader's decoded values printed: arrays as
   * {@code [a, b]}, bytes as base64, kvlists as {@code [KeyValueEntry[key=k, value=v]]}, an empty
   * value as nothing.
   */
  private static String text(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return String.valueOf(v.getBoolValue());
      case INT_VALUE:
        return String.valueOf(v.getIntValue());
      case DOUBLE_VALUE:
        return String.valueOf(v.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE:
        {
          List<String> parts = new ArrayList<>();
          for (AnyValue o : v.getArrayValue().getValuesList()) {
            parts.add(text(o));
          }
          return parts.toString();
        }
      case KVLIST_VALUE:
        {
          List<String> parts = new ArrayList<>();
          for (KeyValue kv : v.getKvlistValue().getValuesList()) {
            String value = kv.hasValue() ? text(kv.getValue()) : "null";
            parts.add("KeyValueEntry[key=" + kv.getKey() + ", value=" + value + "]");
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
            "Series of the agent's own OTLP metrics being re-exposed, target_info included (bounded"
                + " by metrics.bridge.max_series).",
            List.of(
                new Sample(
                    "hermes_collector_bridge_series",
                    List.of(),
                    List.of(),
                    series.size() + targetInfo.size()))));
    out.add(
        new MetricFamilySamples(
            "hermes_collector_bridge_label_values_truncated",
            Type.COUNTER,
            "Bridged label values (and names) cut to metrics.bridge.max_label_value_bytes UTF-8"
                + " bytes, and attributes past otlp.max_attributes_per_span per point or resource dropped.",
            List.of(
                new Sample(
                    "hermes_collector_bridge_label_values_truncated_total",
                    List.of(),
                    List.of(),
                    truncatedValues.sum()))));
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
