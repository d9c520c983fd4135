package hermes.collector.session;

import java.util.List;

/**
 * A turn: one user message and everything the agent did to answer it. Immutable once published. A
 * live session also shows open turns ({@link #provisional()}): the calls of one trace whose turn
 * span has not arrived or not been decided yet.
 *
 * @param sessionKey the session it belongs to
 * @param traceIdHigh high half of its trace id
 * @param traceIdLow low half of its trace id
 * @param spanId the turn span's id; 0 for an open turn
 * @param parentSpanId the turn span's parent (non-zero: a session span is expected above it)
 * @param startNanos start, ns since the epoch
 * @param endNanos end, ns since the epoch
 * @param error whether the turn failed
 * @param index {@code hermes.turn.index}, or -1
 * @param service the service that reported it
 * @param platform the platform, or null
 * @param calls its calls in start order (possibly truncated, see {@code droppedCalls})
 * @param droppedCalls calls counted in the totals but not kept (the per-session bound)
 * @param totals counts, tokens and cost of all its calls
 * @param userMessage the user message, cut ({@code sessions.capture_content}), or null
 */
public record TurnRecord(
    String sessionKey,
    long traceIdHigh,
    long traceIdLow,
    long spanId,
    long parentSpanId,
    long startNanos,
    long endNanos,
    boolean error,
    int index,
    String service,
    String platform,
    List<CallRecord> calls,
    int droppedCalls,
    Totals totals,
    String userMessage) {

  /** A turn without captured content. */
  public TurnRecord(
      String sessionKey,
      long traceIdHigh,
      long traceIdLow,
      long spanId,
      long parentSpanId,
      long startNanos,
      long endNanos,
      boolean error,
      int index,
      String service,
      String platform,
      List<CallRecord> calls,
      int droppedCalls,
      Totals totals) {
    this(
        sessionKey,
        traceIdHigh,
        traceIdLow,
        spanId,
        parentSpanId,
        startNanos,
        endNanos,
        error,
        index,
        service,
        platform,
        calls,
        droppedCalls,
        totals,
        null);
  }

  /** Whether this is an open turn: calls waiting for their turn span, shown in the meantime. */
  public boolean provisional() {
    return spanId == 0;
  }

  /** Duration in ns. */
  public long durationNanos() {
    return Math.max(0, endNanos - startNanos);
  }
}
