package hermes.collector.session;

import java.time.Duration;

/**
 * The assembler's bounds and delays ({@code sessions.*} in the configuration).
 *
 * @param shards writer threads (sessions and traces are spread over them by hash)
 * @param settle how long after a turn's (or session's) own span arrives it is finalized
 * @param idleTimeout how long a session may stay silent before it is finalized without a root
 * @param maxLiveSessions live sessions kept; past it the least recently active is evicted
 * @param maxSpansPerSession calls kept per session for the tree; past it counted, not kept
 * @param finishedSessions recently finished sessions kept for the API
 * @param maxQueuedSpans spans accepted but not yet assembled; past it requests are refused
 */
public record AssemblyConfig(
    int shards,
    Duration settle,
    Duration idleTimeout,
    int maxLiveSessions,
    int maxSpansPerSession,
    int finishedSessions,
    int maxQueuedSpans) {

  /** Checks the values. */
  public AssemblyConfig {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be >= 1: " + shards);
    }
    if (maxLiveSessions < shards || finishedSessions < 0 || maxSpansPerSession < 0) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    if (maxQueuedSpans < 1) {
      throw new IllegalArgumentException("maxQueuedSpans must be >= 1");
    }
  }
}
