package hermes.collector.server;

import hermes.collector.logging.RateLimitedLog;
import hermes.collector.metrics.Exposition;
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
final class ScrapeErrors {
  private static final Logger log = LoggerFactory.getLogger(ScrapeErrors.class);

  private final Exposition exposition;
  private final RateLimitedLog gate = new RateLimitedLog(log, ConnectionErrors.LOG_EVERY_NANOS);

  ScrapeErrors(Exposition exposition) {
    this.exposition = exposition;
  }

  /** Counts one failed scrape and logs it unless one was logged recently. */
  void failed(String what, Object remote, Throwable cause) {
    exposition.scrapeFailed();
    long others = gate.admit();
    if (others >= 0) {
      String more = others == 0 ? "" : " (" + others + " more since, not logged)";
      log.warn("/metrics scrape from {} failed while {}{}", remote, what, more, cause);
    }
  }
}
