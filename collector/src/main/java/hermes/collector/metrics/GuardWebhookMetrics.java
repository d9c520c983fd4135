package hermes.collector.metrics;

import hermes.collector.guard.WebhookInstrumentation;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The guard webhook's telemetry as Prometheus metrics: {@code
 * hermes_collector_guard_webhook_sent_total}, {@code _failures_total{reason}}, {@code
 * _retries_total}, {@code _dropped_total{reason}}, {@code _queue_depth} and {@code
 * _queue_capacity}. Hand-built families, as {@link ForwarderMetrics}.
 *
 * <p>Threading: the {@link WebhookInstrumentation} events may come from any thread; {@link
 * #collect()} runs on the scraping thread and only reads.
 */
public final class GuardWebhookMetrics extends Collector implements WebhookInstrumentation {
  private final LongAdder sent = new LongAdder();
  private final LongAdder retries = new LongAdder();
  // Sorted: the exposition lists reasons in a stable order.
  private final Map<String, LongAdder> failures = new ConcurrentSkipListMap<>();
  private final Map<String, LongAdder> dropped = new ConcurrentSkipListMap<>();
  private volatile int capacity;
  private volatile IntSupplier depth = () -> 0;

  /** Metrics with every drop reason at zero, so an alert on one has a series from the start. */
  public GuardWebhookMetrics() {
    for (String reason : List.of(QUEUE_FULL, RETRIES_EXHAUSTED, REJECTED, SHUTDOWN)) {
      dropped.put(reason, new LongAdder());
    }
  }

  @Override
  public void queue(int capacity, IntSupplier depth) {
    this.capacity = capacity;
    this.depth = depth;
  }

  @Override
  public void sent() {
    sent.increment();
  }

  @Override
  public void failed(String reason) {
    failures.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  @Override
  public void retried() {
    retries.increment();
  }

  @Override
  public void dropped(String reason) {
    dropped.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    out.add(
        new CounterMetricFamily(
            "hermes_collector_guard_webhook_sent_total",
            "Guard trips the webhook receiver accepted (2xx).",
            sent.sum()));
    CounterMetricFamily f =
        new CounterMetricFamily(
            "hermes_collector_guard_webhook_failures_total",
            "Failed guard webhook attempts, by reason (connect, timeout, io, http_<status>).",
            List.of("reason"));
    failures.forEach((k, v) -> f.addMetric(List.of(k), v.sum()));
    out.add(f);
    out.add(
        new CounterMetricFamily(
            "hermes_collector_guard_webhook_retries_total",
            "Guard webhook attempts retried after a failure.",
            retries.sum()));
    CounterMetricFamily d =
        new CounterMetricFamily(
            "hermes_collector_guard_webhook_dropped_total",
            "Guard trips not delivered by the webhook, by reason.",
            List.of("reason"));
    dropped.forEach((k, v) -> d.addMetric(List.of(k), v.sum()));
    out.add(d);
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_guard_webhook_queue_depth",
            "Guard trips waiting to be sent.",
            depth.getAsInt()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_guard_webhook_queue_capacity",
            "The guard webhook queue's bound (guards.webhook_queue).",
            capacity));
    return out;
  }
}
