package hermes.collector.forward;

/**
 * What one export attempt came to.
 *
 * @param kind delivered, retry later, or give up
 * @param reason why it was not delivered (a metric label), or null
 * @param retryAfterMillis the backend's own wait hint, or -1
 * @param rejectedSpans spans the backend rejected as partial success
 */
record Outcome(Kind kind, String reason, long retryAfterMillis, long rejectedSpans) {
  enum Kind {
    DELIVERED,
    RETRYABLE,
    FATAL
  }

  static Outcome delivered(long rejectedSpans) {
    return new Outcome(Kind.DELIVERED, null, -1, rejectedSpans);
  }

  static Outcome retryable(String reason, long retryAfterMillis) {
    return new Outcome(Kind.RETRYABLE, reason, retryAfterMillis, 0);
  }

  static Outcome fatal(String reason) {
    return new Outcome(Kind.FATAL, reason, -1, 0);
  }
}
