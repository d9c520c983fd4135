package hermes.collector.server;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One {@code GET /api/sessions} query: its filters, its order and its page, parsed from the query
 * string. Paging is by cursor (keyset): {@code next} names the last row of a page by its sort value
 * and key, and the next page starts strictly after it, so sessions that arrive between two pages
 * neither repeat nor shift rows.
 *
 * <p>Threading: immutable once parsed; {@link #page} runs wherever the caller likes (the API runs
 * it off the shard and I/O threads).
 */
final class SessionQuery {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  private static final Set<String> PARAMETERS =
      Set.of(
          "status",
          "service",
          "model",
          "outcome",
          "since",
          "until",
          "min_cost_usd",
          "guard",
          "q",
          "sort",
          "limit",
          "cursor");

  /** {@code guard=tripped}: sessions that tripped any runaway guard. */
  static final String TRIPPED = "tripped";

  private static final Set<String> GUARDS =
      java.util.Arrays.stream(hermes.collector.session.Guard.values())
          .map(hermes.collector.session.Guard::label)
          .collect(java.util.stream.Collectors.toUnmodifiableSet());
  private static final Set<String> OUTCOMES =
      Set.of("completed", "interrupted", "error", "abandoned");

  /** What a sort key reads of a row. */
  enum Key {
    START,
    COST,
    DURATION,
    ERRORS,
    TOKENS;

    long of(Row r) {
      return switch (this) {
        case START -> r.startNanos();
        case COST -> r.costPico();
        case DURATION -> r.durationNanos();
        case ERRORS -> r.errors();
        case TOKENS -> r.tokens();
      };
    }
  }

  /**
   * What the query reads of a session.
   *
   * @param models the models of its calls; decoded only when a {@code model} filter asks
   * @param guards the labels of the runaway guards it tripped (empty when none)
   */
  record Row(
      String key,
      String service,
      boolean live,
      String outcome,
      long startNanos,
      long durationNanos,
      long costPico,
      long errors,
      long tokens,
      Supplier<Collection<String>> models,
      List<String> guards) {

    /** A row of a session that tripped no guard. */
    Row(
        String key,
        String service,
        boolean live,
        String outcome,
        long startNanos,
        long durationNanos,
        long costPico,
        long errors,
        long tokens,
        Supplier<Collection<String>> models) {
      this(
          key,
          service,
          live,
          outcome,
          startNanos,
          durationNanos,
          costPico,
          errors,
          tokens,
          models,
          List.of());
    }
  }

  /** A page of rows, the count of all matching rows, and the cursor of the next page (or null). */
  record Page<T>(List<T> rows, int total, String next) {}

  /** A parameter that cannot be understood; the message names it. */
  static final class BadParameter extends Exception {
    private static final long serialVersionUID = 1L;

    BadParameter(String message) {
      super(message);
    }
  }

  final String status;
  final String service;
  final String model;
  final String outcome;
  final long sinceNanos;
  final long untilNanos;
  final long minCostPico;
  final String guard;
  final String prefix;
  final Key sort;
  final boolean descending;
  final int limit;
  private final long afterValue;
  private final String afterKey;

  private SessionQuery(Map<String, List<String>> p) throws BadParameter {
    for (String name : p.keySet()) {
      if (!PARAMETERS.contains(name)) {
        throw new BadParameter(
            "unknown parameter '"
                + name
                + "': use status, service, model, outcome, since, until, min_cost_usd, guard, q,"
                + " sort, limit, cursor");
      }
    }
    status = first(p, "status", "all");
    if (!status.equals("live") && !status.equals("finished") && !status.equals("all")) {
      throw new BadParameter("status: '" + status + "' is not one of live, finished, all");
    }
    service = first(p, "service", null);
    model = first(p, "model", null);
    outcome = first(p, "outcome", null);
    if (outcome != null && !OUTCOMES.contains(outcome)) {
      throw new BadParameter(
          "outcome: '" + outcome + "' is not one of completed, interrupted, error, abandoned");
    }
    sinceNanos = time(p, "since", Long.MIN_VALUE);
    untilNanos = time(p, "until", Long.MAX_VALUE);
    String cost = first(p, "min_cost_usd", null);
    if (cost == null) {
      minCostPico = Long.MIN_VALUE;
    } else {
      try {
        BigDecimal usd = new BigDecimal(cost);
        if (usd.signum() < 0 || usd.compareTo(BigDecimal.valueOf(1_000_000_000)) > 0) {
          throw new NumberFormatException();
        }
        minCostPico =
            usd.movePointRight(12).setScale(0, java.math.RoundingMode.CEILING).longValue();
      } catch (NumberFormatException e) {
        throw new BadParameter(
            "min_cost_usd: '" + cost + "' is not a decimal number of dollars from 0 to 1e9");
      }
    }
    guard = first(p, "guard", null);
    if (guard != null && !guard.equals(TRIPPED) && !GUARDS.contains(guard)) {
      throw new BadParameter(
          "guard: '"
              + guard
              + "' is not one of tripped (any guard), "
              + String.join(", ", GUARDS.stream().sorted().toList()));
    }
    prefix = first(p, "q", null);
    String s = first(p, "sort", "-start");
    descending = s.startsWith("-");
    String name = descending ? s.substring(1) : s;
    Key k = null;
    for (Key candidate : Key.values()) {
      if (candidate.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
        k = candidate;
      }
    }
    if (k == null) {
      throw new BadParameter(
          "sort: '"
              + s
              + "' is not one of start, cost, duration, errors, tokens (- for descending)");
    }
    sort = k;
    String l = first(p, "limit", Integer.toString(DEFAULT_LIMIT));
    int n;
    try {
      n = Integer.parseInt(l);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > MAX_LIMIT) {
      throw new BadParameter("limit: '" + l + "' is not an integer from 1 to " + MAX_LIMIT);
    }
    limit = n;
    String cursor = first(p, "cursor", null);
    if (cursor == null) {
      afterValue = 0;
      afterKey = null;
    } else {
      // The cursor: "<sort>|<value>|<key>", base64url. It must come from a page of the same sort.
      String[] parts;
      try {
        parts =
            new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                .split("\\|", 3);
      } catch (IllegalArgumentException e) {
        parts = new String[0];
      }
      if (parts.length != 3 || !parts[0].equals(s)) {
        throw new BadParameter(
            "cursor: not the 'next' of a page with sort=" + s + " (start again without cursor)");
      }
      try {
        afterValue = Long.parseLong(parts[1]);
      } catch (NumberFormatException e) {
        throw new BadParameter("cursor: not the 'next' of a page (start again without cursor)");
      }
      afterKey = parts[2];
    }
  }

  /** Parses a query string's parameters. */
  static SessionQuery parse(Map<String, List<String>> params) throws BadParameter {
    return new SessionQuery(params);
  }

  boolean wantsLive() {
    return !status.equals("finished");
  }

  boolean wantsFinished() {
    return !status.equals("live");
  }

  /** Whether {@code r} passes every filter. */
  boolean matches(Row r) {
    if (r.live() ? !wantsLive() : !wantsFinished()) {
      return false;
    }
    if (service != null && !service.equals(r.service())) {
      return false;
    }
    if (outcome != null && !outcome.equals(r.outcome())) {
      return false;
    }
    if (r.startNanos() < sinceNanos || r.startNanos() >= untilNanos) {
      return false;
    }
    if (r.costPico() < minCostPico) {
      return false;
    }
    if (prefix != null && !r.key().startsWith(prefix)) {
      return false;
    }
    if (guard != null
        && (guard.equals(TRIPPED) ? r.guards().isEmpty() : !r.guards().contains(guard))) {
      return false;
    }
    return model == null || r.models().get().contains(model);
  }

  /**
   * The order: the sort key, then the session key, then live before finished (a key may be both).
   */
  Comparator<Row> order() {
    Comparator<Row> byValue = Comparator.comparingLong(sort::of);
    if (descending) {
      byValue = byValue.reversed();
    }
    return byValue.thenComparing(Row::key).thenComparing(r -> !r.live());
  }

  /** Filters, sorts and pages {@code rows}; {@code row} reads each element. */
  <T> Page<T> page(Collection<T> rows, java.util.function.Function<T, Row> row) {
    List<Map.Entry<Row, T>> matching = new ArrayList<>();
    for (T t : rows) {
      Row r = row.apply(t);
      if (matches(r)) {
        matching.add(Map.entry(r, t));
      }
    }
    Comparator<Row> order = order();
    matching.sort((a, b) -> order.compare(a.getKey(), b.getKey()));
    List<T> out = new ArrayList<>(Math.min(limit, matching.size()));
    Row last = null;
    boolean more = false;
    for (Map.Entry<Row, T> e : matching) {
      if (afterKey != null && !afterCursor(e.getKey())) {
        continue;
      }
      if (out.size() == limit) {
        more = true;
        break;
      }
      out.add(e.getValue());
      last = e.getKey();
    }
    String next = more ? cursor(last) : null;
    return new Page<>(out, matching.size(), next);
  }

  private boolean afterCursor(Row r) {
    long v = sort.of(r);
    if (v != afterValue) {
      return descending ? v < afterValue : v > afterValue;
    }
    return r.key().compareTo(afterKey) > 0;
  }

  private String cursor(Row r) {
    String s = (descending ? "-" : "") + sort.name().toLowerCase(java.util.Locale.ROOT);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((s + "|" + sort.of(r) + "|" + r.key()).getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 3339 ({@code 2026-01-02T03:04:05Z}, any offset) or unix milliseconds, as ns. */
  private static long time(Map<String, List<String>> p, String name, long absent)
      throws BadParameter {
    String v = first(p, name, null);
    if (v == null) {
      return absent;
    }
    try {
      Instant i =
          v.chars().allMatch(Character::isDigit) && !v.isEmpty()
              ? Instant.ofEpochMilli(Long.parseLong(v))
              : OffsetDateTime.parse(v).toInstant();
      return Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L) + i.getNano();
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw new BadParameter(
          name
              + ": '"
              + v
              + "' is neither an RFC 3339 time (2026-01-02T03:04:05Z) nor unix milliseconds");
    }
  }

  private static String first(Map<String, List<String>> params, String name, String absent) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? absent : v.get(0);
  }
}
