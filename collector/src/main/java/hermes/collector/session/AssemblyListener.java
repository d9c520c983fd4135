package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;

/**
 * What the assembler tells the rest of the collector (metrics): the seam the Prometheus layer
 * records from. The assembler knows nothing of Prometheus.
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

  /** A session was finalized: its root arrived, or it went idle, or it was evicted. */
  default void sessionFinished(SessionRecord session) {}
}
