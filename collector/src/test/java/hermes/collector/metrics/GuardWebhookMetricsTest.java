package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.guard.WebhookInstrumentation;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The guard webhook's instrumentation as exposition: every drop reason present at zero from the
 * start, failures by reason as reported, the queue's depth read at scrape time, no extra series.
 */
class GuardWebhookMetricsTest {
  @Test
  void rendersExactlyTheWebhookFamilies() throws Exception {
    GuardWebhookMetrics m = new GuardWebhookMetrics();
    int[] depth = {3};
    m.queue(1000, () -> depth[0]);
    m.sent();
    m.sent();
    m.failed("connect");
    m.failed("http_503");
    m.failed("connect");
    m.retried();
    m.dropped(WebhookInstrumentation.QUEUE_FULL);
    depth[0] = 7;
    CollectorRegistry registry = new CollectorRegistry();
    registry.register(m);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, registry.metricFamilySamples());
    assertThat(w.toString())
        .isEqualTo(
            """
            # HELP hermes_collector_guard_webhook_sent_total Guard trips the webhook receiver\
             accepted (2xx).
            # TYPE hermes_collector_guard_webhook_sent_total counter
            hermes_collector_guard_webhook_sent_total 2.0
            # HELP hermes_collector_guard_webhook_failures_total Failed guard webhook attempts, by\
             reason (connect, timeout, io, http_<status>).
            # TYPE hermes_collector_guard_webhook_failures_total counter
            hermes_collector_guard_webhook_failures_total{reason="connect",} 2.0
            hermes_collector_guard_webhook_failures_total{reason="http_503",} 1.0
            # HELP hermes_collector_guard_webhook_retries_total Guard webhook attempts retried after\
             a failure.
            # TYPE hermes_collector_guard_webhook_retries_total counter
            hermes_collector_guard_webhook_retries_total 1.0
            # HELP hermes_collector_guard_webhook_dropped_total Guard trips not delivered by the\
             webhook, by reason.
            # TYPE hermes_collector_guard_webhook_dropped_total counter
            hermes_collector_guard_webhook_dropped_total{reason="queue_full",} 1.0
            hermes_collector_guard_webhook_dropped_total{reason="rejected",} 0.0
            hermes_collector_guard_webhook_dropped_total{reason="retries_exhausted",} 0.0
            hermes_collector_guard_webhook_dropped_total{reason="shutdown",} 0.0
            # HELP hermes_collector_guard_webhook_queue_depth Guard trips waiting to be sent.
            # TYPE hermes_collector_guard_webhook_queue_depth gauge
            hermes_collector_guard_webhook_queue_depth 7.0
            # HELP hermes_collector_guard_webhook_queue_capacity The guard webhook queue's bound\
             (guards.webhook_queue).
            # TYPE hermes_collector_guard_webhook_queue_capacity gauge
            hermes_collector_guard_webhook_queue_capacity 1000.0
            """);
  }
}
