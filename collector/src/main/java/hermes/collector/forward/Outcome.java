package hermes.collector.forward;

/**
 * What one export attempt came to.
 *
 * @param kind delivered, retry later, or give up
 * @param reason why it was not delivered (a metric label), or null
 * @param retryAfterMillis the backend's own wait hint, or -1
 * @param rejectedSpans spans the backend rejected as partial success
 * @param detail why, for the log: connection refused, timeout, the status and the backend's message
 *     (cut short); null when delivered
 */
record Outcome(Kind kind, String reason, long retryAfterMillis, long rejectedSpans, String detail) {
  /** The longest detail logged: a backend's error page is not worth more. */
  static final int MAX_DETAIL = 200;

  enum Kind {
    DELIVERED,
    RETRYABLE,
    FATAL
  }

  static Outcome delivered(long rejectedSpans) {
    return new Outcome(Kind.DELIVERED, null, -1, rejectedSpans, null);
  }

  static Outcome retryable(String reason, long retryAfterMillis, String detail) {
    return new Outcome(Kind.RETRYABLE, reason, retryAfterMillis, 0, cut(detail));
  }

  static Outcome fatal(String reason, String detail) {
    return new Outcome(Kind.FATAL, reason, -1, 0, cut(detail));
  }

  private static String cut(String s) {
    if (s == null) {
      return null;
    }
    String oneLine = s.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "...";
  }
}
