package hermes.collector.metrics;

import hermes.collector.server.SessionStream;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;

/**
 * The session event stream's telemetry as Prometheus metrics ({@code hermes_collector_stream_*}),
 * read from {@link SessionStream#stats()} at each scrape.
 *
 * <p>Threading: {@link #collect()} runs on the scraping thread and only reads.
 */
public final class StreamMetrics extends Collector {
  private final SessionStream stream;

  /** The metrics of {@code stream}. */
  public StreamMetrics(SessionStream stream) {
    this.stream = stream;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    SessionStream.Stats s = stream.stats();
    return List.of(
        new GaugeMetricFamily(
            "hermes_collector_stream_subscribers",
            "Readers connected to /api/sessions/stream (bounded by admin.max_stream_subscribers).",
            s.subscribers()),
        new CounterMetricFamily(
            "hermes_collector_stream_subscribers_refused_total",
            "Stream readers refused with 503: admin.max_stream_subscribers were connected.",
            s.refused()),
        new CounterMetricFamily(
            "hermes_collector_stream_subscribers_dropped_total",
            "Stream readers disconnected for falling admin.stream_buffer_bytes behind.",
            s.dropped()),
        new CounterMetricFamily(
            "hermes_collector_stream_events_total",
            "Session events sent to the stream's readers (once per event, not per reader).",
            s.events()),
        new CounterMetricFamily(
            "hermes_collector_stream_events_dropped_total",
            "Session events lost because admin.stream_queue_events were waiting for the stream.",
            s.eventsDropped()));
  }
}
