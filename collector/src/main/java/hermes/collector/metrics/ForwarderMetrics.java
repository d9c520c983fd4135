package hermes.collector.metrics;

import hermes.collector.forward.ForwarderInstrumentation;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The forwarder's telemetry as Prometheus metrics: {@code hermes_collector_forward_*}, {@code
 * hermes_collector_spool_*} (when the spool is on) and {@code
 * hermes_collector_dropped_spans_total}. Hand-built families rather than simpleclient's {@code
 * Counter}, so the exposition stays exactly what it was (no {@code _created} series) and a reason
 * label costs one map lookup.
 *
 * <p>Threading: the {@link ForwarderInstrumentation} events may come from any thread; {@link
 * #collect()} runs on the scraping thread and only reads.
 */
public final class ForwarderMetrics extends Collector implements ForwarderInstrumentation {
  private static final LongSupplier ZERO = () -> 0;

  private final LongAdder forwarded = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
  private volatile long queueMaxBytes;
  private volatile LongSupplier queueBytes = ZERO;
  private volatile LongSupplier queueSpans = ZERO;
  private volatile boolean spoolOn;
  private volatile long spoolMaxBytes;
  private volatile LongSupplier spoolBytes = ZERO;
  private volatile LongSupplier spoolFullDropped = ZERO;
  private volatile LongSupplier spoolTorn = ZERO;

  /** Metrics with the always-present drop reasons at zero. */
  public ForwarderMetrics() {
    for (String reason : List.of("queue_full", "rejected_by_backend", "shutdown")) {
      dropped.put(reason, new LongAdder());
    }
  }

  @Override
  public void queue(long maxBytes, LongSupplier bytes, LongSupplier spans) {
    queueMaxBytes = maxBytes;
    queueBytes = bytes;
    queueSpans = spans;
  }

  @Override
  public void spool(
      long maxBytes, LongSupplier bytes, LongSupplier fullDroppedSpans, LongSupplier tornRecords) {
    spoolMaxBytes = maxBytes;
    spoolBytes = bytes;
    spoolFullDropped = fullDroppedSpans;
    spoolTorn = tornRecords;
    spoolOn = true;
  }

  @Override
  public void forwarded(long spans) {
    forwarded.add(spans);
  }

  @Override
  public void retried() {
    retries.increment();
  }

  @Override
  public void failed(String reason) {
    count(failures, reason, 1);
  }

  @Override
  public void dropped(String reason, long spans) {
    count(dropped, reason, spans);
  }

  private static void count(Map<String, LongAdder> m, String reason, long n) {
    m.computeIfAbsent(reason, k -> new LongAdder()).add(n);
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_bytes",
            "Bytes queued for forwarding.",
            queueBytes.getAsLong()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_max_bytes",
            "The forward queue's bound (forward.queue_max_bytes).",
            queueMaxBytes));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_spans",
            "Spans queued for forwarding.",
            queueSpans.getAsLong()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_forwarded_spans_total",
            "Spans the backend accepted.",
            forwarded.sum()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_forward_retries_total",
            "Export attempts retried after a retryable failure.",
            retries.sum()));
    CounterMetricFamily f =
        new CounterMetricFamily(
            "hermes_collector_forward_failures_total",
            "Failed export attempts, by reason.",
            List.of("reason"));
    failures.forEach((k, v) -> f.addMetric(List.of(k), v.sum()));
    out.add(f);
    CounterMetricFamily d =
        new CounterMetricFamily(
            "hermes_collector_dropped_spans_total",
            "Spans accepted but not delivered, by reason.",
            List.of("reason"));
    dropped.forEach((k, v) -> d.addMetric(List.of(k), v.sum()));
    if (spoolOn) {
      d.addMetric(List.of("spool_full"), spoolFullDropped.getAsLong());
      out.add(
          new GaugeMetricFamily(
              "hermes_collector_spool_bytes",
              "Bytes in the forwarding spool on disk.",
              spoolBytes.getAsLong()));
      out.add(
          new GaugeMetricFamily(
              "hermes_collector_spool_max_bytes",
              "The spool's bound (forward.spool.max_bytes).",
              spoolMaxBytes));
      out.add(
          new CounterMetricFamily(
              "hermes_collector_spool_torn_records_total",
              "Spool records found incomplete or corrupt (a crash mid-write) and skipped.",
              spoolTorn.getAsLong()));
    }
    out.add(d);
    return out;
  }
}
