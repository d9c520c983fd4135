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
 * @param rootlessIdleTimeout how long a session without a session span (one trace per turn) may
 *     stay silent before it is finalized with the outcome of its last turn
 * @param maxPendingSpans spans held waiting for their parent, turn or session, over all shards;
 *     past it the least recently active trace is settled early, as it stands
 */
public record AssemblyConfig(
    int shards,
    Duration settle,
    Duration idleTimeout,
    int maxLiveSessions,
    int maxSpansPerSession,
    int finishedSessions,
    int maxQueuedSpans,
    Duration rootlessIdleTimeout,
    int maxPendingSpans) {

  /** The default of {@code sessions.rootless_idle_timeout}. */
  public static final Duration DEFAULT_ROOTLESS_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** The default of {@code sessions.max_pending_spans}: about 60 MiB of a 256 MiB heap. */
  public static final int DEFAULT_MAX_PENDING_SPANS = 200_000;

  /**
   * The bounds of the first version, with the rootless idle timeout (at most {@code idleTimeout})
   * and the pending bound at their defaults.
   */
  public AssemblyConfig(
      int shards,
      Duration settle,
      Duration idleTimeout,
      int maxLiveSessions,
      int maxSpansPerSession,
      int finishedSessions,
      int maxQueuedSpans) {
    this(
        shards,
        settle,
        idleTimeout,
        maxLiveSessions,
        maxSpansPerSession,
        finishedSessions,
        maxQueuedSpans,
        idleTimeout.compareTo(DEFAULT_ROOTLESS_IDLE_TIMEOUT) < 0
            ? idleTimeout
            : DEFAULT_ROOTLESS_IDLE_TIMEOUT,
        DEFAULT_MAX_PENDING_SPANS);
  }

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
    if (rootlessIdleTimeout == null || rootlessIdleTimeout.isNegative()) {
      throw new IllegalArgumentException("rootlessIdleTimeout must be >= 0");
    }
    if (maxPendingSpans < shards) {
      throw new IllegalArgumentException(
          "maxPendingSpans must be >= shards (" + shards + "): " + maxPendingSpans);
    }
  }
}
