package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;

/**
 * What the assembler tells the rest of the collector (metrics, the sessions event stream, guards):
 * events flow one way, from the assembler out. The assembler knows nothing of its listeners.
 *
 * <p>Threading: called on the assembler's shard threads, several at once; an implementation must be
 * thread-safe and must not block. Per call, per turn and per session facts each arrive once.
 */
public interface AssemblyListener {
  /**
   * A call (LLM, embedding or tool span) arrived; its facts are final.
   *
   * @param call the span
   * @param costPico its cost in pico-dollars, or -1 when unpriced (tools: 0)
   */
  default void callFinished(AgentSpan call, long costPico) {}

  /** A turn was finalized (its settle delay after its span arrived). */
  default void turnFinished(TurnRecord turn) {}

  /**
   * A session became live: the first span that names it arrived. Fired once per session, before any
   * {@link #sessionUpdated} or {@link #sessionFinished} of it.
   *
   * @param session a snapshot of the live session ({@link SessionRecord#live()} is true)
   */
  default void sessionOpened(SessionRecord session) {}

  /**
   * Whether {@link #sessionUpdated} would be used now (say, a reader is connected). The assembler
   * asks before it builds an update's snapshot, so updates nobody reads cost nothing. No by
   * default: a listener that reads updates says so (overriding {@link #sessionUpdated} alone
   * receives none), so one that does not cannot make every changed session build a snapshot a few
   * times a second. Must be cheap and thread-safe; a stale answer only delays or wastes one update.
   */
  default boolean wantsUpdates() {
    return false;
  }

  /**
   * A live session changed (a call or a turn arrived, totals grew). Coalesced: at most a few times
   * a second per session, never per span, so a listener may render or send each one.
   *
   * @param session a snapshot of the live session
   */
  default void sessionUpdated(SessionRecord session) {}

  /** A session was finalized: its root arrived, or it went idle, or it was evicted. */
  default void sessionFinished(SessionRecord session) {}

  /**
   * A runaway guard tripped on a live session (once per session and guard; once per turn for the
   * turn guards). Must not block: a listener that does I/O (the webhook) hands the trip to its own
   * thread.
   */
  default void guardTripped(GuardTrip trip) {}
}
