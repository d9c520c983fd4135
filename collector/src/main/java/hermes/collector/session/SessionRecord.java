package hermes.collector.session;

import java.util.List;

/**
 * A session as the API and the listeners see it: a snapshot, immutable.
 *
 * @param key the session key
 * @param service the service that reported it
 * @param platform the platform, or null
 * @param startNanos earliest start seen, ns since the epoch
 * @param endNanos latest end seen
 * @param outcome completed, interrupted, error, abandoned; null while live
 * @param turns finished turns in start order
 * @param looseCalls calls that belong to the session but to none of its turns
 * @param totals everything counted for the session, late calls included
 * @param lateSpans spans that arrived after their turn or session was finalized
 * @param rootTraceIdHigh the session span's trace id (high), 0 when there is none
 * @param rootTraceIdLow the session span's trace id (low)
 * @param rootSpanId the session span's id, 0 when there is none
 */
public record SessionRecord(
    String key,
    String service,
    String platform,
    long startNanos,
    long endNanos,
    String outcome,
    List<TurnRecord> turns,
    List<CallRecord> looseCalls,
    Totals totals,
    long lateSpans,
    long rootTraceIdHigh,
    long rootTraceIdLow,
    long rootSpanId) {

  /** Whether the session is still live. */
  public boolean live() {
    return outcome == null;
  }

  /** Duration in ns. */
  public long durationNanos() {
    return Math.max(0, endNanos - startNanos);
  }
}
