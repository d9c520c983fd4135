package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's instrumentation renders exactly the exposition the forwarder used to build
 * itself: the same names, types, help texts and labels, the three drop reasons present at zero, the
 * spool's families only when there is a spool, and no extra series (no {@code _created}).
 */
class ForwarderMetricsTest {
  private static List<String> scrape(ForwarderMetrics m) throws Exception {
    CollectorRegistry registry = new CollectorRegistry();
    registry.register(m);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, registry.metricFamilySamples());
    return List.of(w.toString().split("\n"));
  }

  private static final List<String> COMMON =
      List.of(
          "# HELP hermes_collector_forward_queue_bytes Bytes queued for forwarding.",
          "# TYPE hermes_collector_forward_queue_bytes gauge",
          "hermes_collector_forward_queue_bytes 100.0",
          "# HELP hermes_collector_forward_queue_max_bytes The forward queue's bound"
              + " (forward.queue_max_bytes).",
          "# TYPE hermes_collector_forward_queue_max_bytes gauge",
          "hermes_collector_forward_queue_max_bytes 1024.0",
          "# HELP hermes_collector_forward_queue_spans Spans queued for forwarding.",
          "# TYPE hermes_collector_forward_queue_spans gauge",
          "hermes_collector_forward_queue_spans 7.0",
          "# HELP hermes_collector_forwarded_spans_total Spans the backend accepted.",
          "# TYPE hermes_collector_forwarded_spans_total counter",
          "hermes_collector_forwarded_spans_total 5.0",
          "# HELP hermes_collector_forward_retries_total Export attempts retried after a retryable"
              + " failure.",
          "# TYPE hermes_collector_forward_retries_total counter",
          "hermes_collector_forward_retries_total 2.0",
          "# HELP hermes_collector_forward_failures_total Failed export attempts, by reason.",
          "# TYPE hermes_collector_forward_failures_total counter",
          "hermes_collector_forward_failures_total{reason=\"unavailable\",} 2.0",
          "# HELP hermes_collector_dropped_spans_total Spans accepted but not delivered, by reason.",
          "# TYPE hermes_collector_dropped_spans_total counter",
          "hermes_collector_dropped_spans_total{reason=\"queue_full\",} 0.0",
          "hermes_collector_dropped_spans_total{reason=\"rejected_by_backend\",} 3.0",
          "hermes_collector_dropped_spans_total{reason=\"shutdown\",} 0.0");

  private static ForwarderMetrics reported() {
    ForwarderMetrics m = new ForwarderMetrics();
    m.queue(1024, () -> 100, () -> 7);
    m.forwarded(5);
    m.retried();
    m.retried();
    m.failed("unavailable");
    m.failed("unavailable");
    m.dropped("rejected_by_backend", 3);
    return m;
  }

  @Test
  void rendersTheForwarderFamiliesWithoutSpool() throws Exception {
    assertThat(scrape(reported())).containsExactlyInAnyOrderElementsOf(COMMON);
  }

  @Test
  void rendersTheSpoolFamiliesWhenThereIsOne() throws Exception {
    ForwarderMetrics m = reported();
    m.spool(4096, () -> 300, () -> 11, () -> 1);
    List<String> expected = new java.util.ArrayList<>(COMMON);
    expected.addAll(
        List.of(
            "hermes_collector_dropped_spans_total{reason=\"spool_full\",} 11.0",
            "# HELP hermes_collector_spool_bytes Bytes in the forwarding spool on disk.",
            "# TYPE hermes_collector_spool_bytes gauge",
            "hermes_collector_spool_bytes 300.0",
            "# HELP hermes_collector_spool_max_bytes The spool's bound (forward.spool.max_bytes).",
            "# TYPE hermes_collector_spool_max_bytes gauge",
            "hermes_collector_spool_max_bytes 4096.0",
            "# HELP hermes_collector_spool_torn_records_total Spool records found incomplete or"
                + " corrupt (a crash mid-write) and skipped.",
            "# TYPE hermes_collector_spool_torn_records_total counter",
            "hermes_collector_spool_torn_records_total 1.0"));
    assertThat(scrape(m)).containsExactlyInAnyOrderElementsOf(expected);
  }
}
