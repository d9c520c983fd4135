package hermes.collector.logging;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning logged at most once per interval, with how many were held back since the last line: a
 * client in a loop sending bad input must not flood the log (each refusal is counted in a metric
 * anyway).
 *
 * <p>Threading: safe for concurrent use; lock-free.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong held = new AtomicLong();

  /** Lines to {@code log}, at most one per {@code intervalNanos}. */
  public RateLimitedLog(Logger log, long intervalNanos) {
    this.log = log;
    this.intervalNanos = intervalNanos;
  }

  /**
   * Whether a line may be logged now: -1 when one was logged within the interval (this one is held
   * back and counted), else how many were held back since the last line. For callers that format
   * their own line.
   */
  public long admit() {
    long now = System.nanoTime();
    long due = next.get();
    if ((due != Long.MIN_VALUE && now - due < 0) || !next.compareAndSet(due, now + intervalNanos)) {
      held.incrementAndGet();
      return -1;
    }
    return held.getAndSet(0);
  }

  /** Logs {@code message} at WARN unless a line was logged within the interval. */
  public void warn(String message) {
    long before = admit();
    if (before == 0) {
      log.warn(message);
    } else if (before > 0) {
      log.warn("{} ({} more like it since the last line)", message, before);
    }
  }
}
