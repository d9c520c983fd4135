package hermes.collector.bench.loadgen;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Why requests failed or were refused, counted per reason ("connection refused by 127.0.0.1:4318",
 * "HTTP 400: ..."), so the operator sees the cause and not only a count.
 *
 * <p>Threading: {@link #add} from any thread (only failing requests get here); {@link #summary}
 * once the run is over.
 */
final class Failures {
  private static final int MAX_REASONS = 100;
  private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
  private volatile String first;

  void add(String reason) {
    if (first == null) {
      first = reason;
    }
    LongAdder n = reasons.get(reason);
    if (n == null && reasons.size() >= MAX_REASONS) {
      n = reasons.computeIfAbsent("(other reasons)", k -> new LongAdder());
    } else if (n == null) {
      n = reasons.computeIfAbsent(reason, k -> new LongAdder());
    }
    n.increment();
  }

  /** The first reason seen, or null. */
  String first() {
    return first;
  }

  /** The reasons, most frequent first, at most 5, as "reason (N requests)". */
  String summary() {
    List<Map.Entry<String, Long>> all = new ArrayList<>();
    reasons.forEach((k, v) -> all.add(Map.entry(k, v.sum())));
    all.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : all.subList(0, Math.min(5, all.size()))) {
      out.add(e.getKey() + " (" + e.getValue() + (e.getValue() == 1 ? " request)" : " requests)"));
    }
    return String.join("; ", out);
  }

  /** A failed connection or call, in words: refused, timed out, or the exception's message. */
  static String describe(Throwable t, String where) {
    Throwable c = t;
    while ((c instanceof CompletionException || c.getCause() instanceof ConnectException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ConnectException) {
      return "connection refused by " + where + " (is the collector running there?)";
    }
    if (c instanceof HttpTimeoutException) {
      return "no answer from " + where + " within the timeout";
    }
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }

  /** An HTTP answer other than 200: the status and the start of the body. */
  static String describe(int status, byte[] body) {
    String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
    boolean printable = text.chars().allMatch(ch -> ch >= 0x20 || ch == '\n' || ch == '\t');
    text = text.strip().replace('\n', ' ');
    return "HTTP "
        + status
        + (body.length == 0
            ? " (empty body)"
            : printable
                ? ": " + text + (body.length > 300 ? "..." : "")
                : " (" + body.length + " bytes)");
  }
}
