package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The sessions list's filters, order and cursor paging, over rows made by hand. */
class SessionQueryTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_767_225_600L * S; // 2026-01-01T00:00:00Z

  private static SessionQuery.Row row(
      String key,
      String service,
      String outcome,
      long startSec,
      long durSec,
      long costPico,
      long errors,
      long tokens,
      String... models) {
    return new SessionQuery.Row(
        key,
        service,
        outcome == null,
        outcome,
        T0 + startSec * S,
        durSec * S,
        costPico,
        errors,
        tokens,
        () -> Set.of(models));
  }

  private static final List<SessionQuery.Row> ROWS =
      List.of(
          row("a-1", "svc-a", null, 0, 10, 5_000_000_000L, 0, 100, "gpt-4o"),
          row("a-2", "svc-a", "completed", 10, 30, 1_000_000_000L, 2, 900, "claude"),
          row("b-1", "svc-b", "error", 20, 5, 9_000_000_000L, 1, 50, "gpt-4o", "claude"),
          row("b-2", "svc-b", "abandoned", 30, 60, 0, 0, 10),
          row("c-1", "svc-c", null, 40, 1, 3_000_000_000L, 5, 400, "gemini"));

  private static SessionQuery q(String query) throws SessionQuery.BadParameter {
    return SessionQuery.parse(new QueryStringDecoder("/api/sessions?" + query).parameters());
  }

  private static List<String> keys(String query) throws SessionQuery.BadParameter {
    SessionQuery.Page<SessionQuery.Row> page = q(query).page(ROWS, Function.identity());
    return page.rows().stream().map(SessionQuery.Row::key).toList();
  }

  @Test
  void filtersNarrowTheList() throws Exception {
    assertThat(keys("")).containsExactly("c-1", "b-2", "b-1", "a-2", "a-1"); // newest first
    assertThat(keys("status=live")).containsExactly("c-1", "a-1");
    assertThat(keys("status=finished")).containsExactly("b-2", "b-1", "a-2");
    assertThat(keys("service=svc-b")).containsExactly("b-2", "b-1");
    assertThat(keys("model=claude")).containsExactly("b-1", "a-2");
    assertThat(keys("outcome=error")).containsExactly("b-1");
    assertThat(keys("q=a-")).containsExactly("a-2", "a-1");
    assertThat(keys("min_cost_usd=0.003")).containsExactly("c-1", "b-1", "a-1");
    // since inclusive, until exclusive; RFC 3339 or unix milliseconds.
    assertThat(keys("since=2026-01-01T00:00:10Z&until=2026-01-01T00:00:30Z"))
        .containsExactly("b-1", "a-2");
    assertThat(keys("since=" + (T0 / 1_000_000 + 20_000))).containsExactly("c-1", "b-2", "b-1");
    assertThat(keys("since=2026-01-01T01:00:30%2B01:00")).containsExactly("c-1", "b-2");
    assertThat(keys("status=live&service=svc-a&model=gpt-4o")).containsExactly("a-1");
  }

  @Test
  void sortsByEachKeyBothWays() throws Exception {
    assertThat(keys("sort=start")).containsExactly("a-1", "a-2", "b-1", "b-2", "c-1");
    assertThat(keys("sort=-cost")).containsExactly("b-1", "a-1", "c-1", "a-2", "b-2");
    assertThat(keys("sort=duration")).containsExactly("c-1", "b-1", "a-1", "a-2", "b-2");
    // Ties go by key.
    assertThat(keys("sort=-errors")).containsExactly("c-1", "a-2", "b-1", "a-1", "b-2");
    assertThat(keys("sort=-tokens")).containsExactly("a-2", "c-1", "a-1", "b-1", "b-2");
  }

  @Test
  void cursorPagesVisitEveryRowOnceAndCountTheTotal() throws Exception {
    for (String sort : List.of("-start", "cost", "-errors", "tokens")) {
      List<String> all = keys("sort=" + sort);
      List<String> paged = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        SessionQuery.Page<SessionQuery.Row> p =
            q("sort=" + sort + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                .page(ROWS, Function.identity());
        assertThat(p.total()).isEqualTo(5);
        p.rows().forEach(r -> paged.add(r.key()));
        cursor = p.next();
        pages++;
      } while (cursor != null);
      assertThat(paged).as(sort).isEqualTo(all);
      assertThat(pages).isEqualTo(3);
    }
    // A session that arrives between two pages neither repeats nor shifts rows.
    SessionQuery.Page<SessionQuery.Row> first = q("limit=2").page(ROWS, Function.identity());
    List<SessionQuery.Row> more = new ArrayList<>(ROWS);
    more.add(row("d-1", "svc-d", null, 50, 1, 0, 0, 0));
    SessionQuery.Page<SessionQuery.Row> second =
        q("limit=2&cursor=" + first.next()).page(more, Function.identity());
    assertThat(second.rows().stream().map(SessionQuery.Row::key)).containsExactly("b-1", "a-2");
    assertThat(second.total()).isEqualTo(6);
  }

  @Test
  void badParametersAreNamed() {
    for (String[] bad :
        new String[][] {
          {"status=gone", "status"},
          {"outcome=won", "outcome"},
          {"since=yesterday", "since"},
          {"until=2026-13-01T00:00:00Z", "until"},
          {"min_cost_usd=-1", "min_cost_usd"},
          {"min_cost_usd=lots", "min_cost_usd"},
          {"sort=name", "sort"},
          {"limit=0", "limit"},
          {"limit=1001", "limit"},
          {"cursor=garbage", "cursor"},
          {"colour=red", "colour"},
        }) {
      assertThatThrownBy(() -> q(bad[0]))
          .as(bad[0])
          .isInstanceOf(SessionQuery.BadParameter.class)
          .hasMessageContaining(bad[1]);
    }
  }

  @Test
  void aCursorOnlyServesItsOwnSort() throws Exception {
    String next = q("sort=cost&limit=1").page(ROWS, Function.identity()).next();
    assertThatThrownBy(() -> q("sort=-cost&cursor=" + next))
        .isInstanceOf(SessionQuery.BadParameter.class)
        .hasMessageContaining("cursor");
  }

  @Test
  void theGuardFilterFindsRunawaySessions() throws Exception {
    List<SessionQuery.Row> rows = new ArrayList<>(ROWS);
    SessionQuery.Row plain = row("d-1", "svc-d", null, 50, 1, 0, 0, 0);
    for (List<String> guards :
        List.of(List.of("tool_repeat"), List.of("session_cost_usd", "tool_repeat"))) {
      rows.add(
          new SessionQuery.Row(
              "g-" + guards.size(),
              plain.service(),
              true,
              null,
              plain.startNanos() + guards.size(),
              0,
              0,
              0,
              0,
              Set::of,
              guards));
    }
    Function<String, List<String>> keys =
        query -> {
          try {
            return q(query).page(rows, Function.identity()).rows().stream()
                .map(SessionQuery.Row::key)
                .toList();
          } catch (SessionQuery.BadParameter e) {
            throw new AssertionError(e);
          }
        };
    assertThat(keys.apply("guard=tripped")).containsExactly("g-2", "g-1");
    assertThat(keys.apply("guard=session_cost_usd")).containsExactly("g-2");
    assertThat(keys.apply("guard=turn_llm_calls")).isEmpty();
    assertThat(keys.apply("")).hasSize(7);
    assertThatThrownBy(() -> q("guard=yes"))
        .isInstanceOf(SessionQuery.BadParameter.class)
        .hasMessageContaining("guard: 'yes' is not one of tripped");
  }
}
