package hermes.collector.semconv;

import java.util.Locale;

/** Classifies failed LLM calls into the {@code error_type} values of the metric contract. */
final class ErrorTypes {
  static final String RATE_LIMIT = "rate_limit";
  static final String CONTEXT_TOO_LONG = "context_too_long";
  static final String TIMEOUT = "timeout";
  static final String API_ERROR = "api_error";

  private ErrorTypes() {}

  /**
   * The class of an LLM failure: from {@code error.type} when it says, else the HTTP status, else
   * the status message, else api_error.
   */
  static String llm(String errorType, long httpStatus, String statusMessage) {
    String fromType = fromText(errorType);
    if (fromType != null) {
      return fromType;
    }
    if (httpStatus == 429) {
      return RATE_LIMIT;
    }
    if (httpStatus == 408 || httpStatus == 504) {
      return TIMEOUT;
    }
    String fromMessage = fromText(statusMessage);
    return fromMessage != null ? fromMessage : API_ERROR;
  }

  private static String fromText(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String t = s.toLowerCase(Locale.ROOT);
    if (t.contains("rate limit")
        || t.contains("ratelimit")
        || t.contains("rate_limit")
        || t.contains("429")
        || t.contains("too many requests")) {
      return RATE_LIMIT;
    }
    if (t.contains("context")
        && (t.contains("length")
            || t.contains("window")
            || t.contains("too long")
            || t.contains("exceed"))) {
      return CONTEXT_TOO_LONG;
    }
    if (t.contains("timeout") || t.contains("timed out") || t.contains("deadline")) {
      return TIMEOUT;
    }
    return null;
  }

  /** Whether a tool failure was a timeout, by its outcome, error type or message. */
  static boolean isTimeout(String text) {
    return text != null && text.toLowerCase(Locale.ROOT).contains("timeout")
        || text != null && text.toLowerCase(Locale.ROOT).contains("timed out");
  }
}
