package hermes.collector.session;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed log gives back exactly the turns and calls that went in. */
class SessionLogTest {
  private static final long T0 = 1_763_700_000_000_000_000L;

  @Test
  void roundTripsEveryField() {
    Random random = new Random(7);
    SessionLog log = new SessionLog();
    SessionLog.Writer writer = new SessionLog.Writer();
    List<TurnRecord> turns = new ArrayList<>();
    List<CallRecord> loose = new ArrayList<>();
    for (int t = 0; t < 40; t++) {
      List<CallRecord> calls = new ArrayList<>();
      long start = T0 + t * 37_000_000_123L;
      for (int c = 0; c < random.nextInt(6); c++) {
        calls.add(randomCall(random, start + random.nextInt(1_000_000_000)));
      }
      Totals totals = new Totals();
      calls.forEach(totals::add);
      // several traces (one trace per turn) and parents (a session span, or none)
      long trace = t % 3 == 0 ? 42 : random.nextLong();
      long parent = t % 4 == 0 ? 0 : t % 4 == 1 ? 99 : random.nextLong();
      TurnRecord turn =
          new TurnRecord(
              "s",
              trace,
              ~trace,
              random.nextLong(),
              parent,
              start,
              start + random.nextInt(Integer.MAX_VALUE),
              random.nextBoolean(),
              t % 5 == 0 ? -1 : t,
              t % 2 == 0 ? "hermes-agent" : "other",
              t % 3 == 0 ? null : "telegram",
              List.copyOf(calls),
              0,
              totals);
      log.appendTurn(turn, calls.size(), writer);
      turns.add(turn);
      if (t % 7 == 0) {
        CallRecord c = randomCall(random, T0 - 5_000_000_000L);
        log.appendLoose(c, writer);
        loose.add(c);
      }
    }
    SessionLog.Contents back = log.view().decode("s");
    assertThat(back.turns()).usingRecursiveComparison().isEqualTo(turns);
    assertThat(back.loose()).isEqualTo(loose);
  }

  @Test
  void aTurnCutByTheBoundKeepsItsTotals() {
    Random random = new Random(11);
    List<CallRecord> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(randomCall(random, T0 + i));
    }
    Totals totals = new Totals();
    calls.forEach(totals::add);
    TurnRecord turn =
        new TurnRecord("s", 1, 2, 3, 4, T0, T0 + 10, false, 1, "svc", null, calls, 0, totals);
    SessionLog log = new SessionLog();
    log.appendTurn(turn, 2, new SessionLog.Writer());

    TurnRecord back = log.view().decode("s").turns().get(0);
    assertThat(back.calls()).isEqualTo(calls.subList(0, 2));
    assertThat(back.droppedCalls()).isEqualTo(3);
    assertThat(back.totals()).usingRecursiveComparison().isEqualTo(totals);
  }

  private static CallRecord randomCall(Random random, long start) {
    if (random.nextInt(3) == 0) {
      ToolStatus status = ToolStatus.values()[random.nextInt(3)];
      return new CallRecord(
          Role.TOOL,
          random.nextLong(),
          start,
          random.nextInt(5_000_000),
          null,
          null,
          0,
          0,
          0,
          0,
          0,
          0,
          null,
          status == ToolStatus.SUCCESS ? null : "tool_error",
          "tool-" + random.nextInt(4),
          status);
    }
    return new CallRecord(
        random.nextBoolean() ? Role.LLM : Role.EMBEDDING,
        random.nextLong(),
        start,
        random.nextInt(Integer.MAX_VALUE) * 3L,
        "model-" + random.nextInt(3),
        random.nextBoolean() ? "anthropic" : null,
        random.nextInt(200_000),
        random.nextInt(8_000),
        random.nextInt(100_000),
        random.nextInt(10_000),
        random.nextInt(2_000),
        random.nextInt(4) == 0 ? -1 : random.nextLong() >>> 8,
        random.nextBoolean() ? "stop" : "tool_calls",
        random.nextInt(5) == 0 ? "rate_limit" : null,
        null,
        null);
  }
}
