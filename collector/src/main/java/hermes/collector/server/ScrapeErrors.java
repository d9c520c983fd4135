package hermes.collector.server;

import hermes.collector.logging.RateLimitedLog;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts {@code /metrics} scrapes that failed (a collector threw while rendering, or the response
 * could not be written) as {@code hermes_collector_scrape_errors_total}, and logs them, at most one
 * line per {@link ConnectionErrors#LOG_EVERY_NANOS} with the number suppressed since: a scrape must
 * never fail silently, and a scraper retrying every second must not flood the log.
 *
 * <p>Threading: safe for concurrent use; lock-free.
 */
final class ScrapeErrors extends Collector {
  private static final Logger log = LoggerFactory.getLogger(ScrapeErrors.class);

  private final LongAdder errors = new LongAdder();
  private final RateLimitedLog gate = new RateLimitedLog(log, ConnectionErrors.LOG_EVERY_NANOS);

  /** Counts one failed scrape and logs it unless one was logged recently. */
  void failed(String what, Object remote, Throwable cause) {
    errors.increment();
    long others = gate.admit();
    if (others >= 0) {
      String more = others == 0 ? "" : " (" + others + " more since, not logged)";
      log.warn("/metrics scrape from {} failed while {}{}", remote, what, more, cause);
    }
  }

  long count() {
    return errors.sum();
  }

  @Override
  public List<MetricFamilySamples> collect() {
    return List.of(
        new CounterMetricFamily(
            "hermes_collector_scrape_errors_total",
            "/metrics scrapes that failed while rendering or writing (logged, rate-limited).",
            errors.sum()));
  }
}
