package hermes.collector.session;

import static hermes.collector.semconv.Spans.attrs;
import static hermes.collector.semconv.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.cost.PriceFile;
import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.semconv.Spans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The runaway guards on the assembler's own clock: calls of live sessions, in every arrival order,
 * trip each guard once (the turn guards once per turn), and a normal session trips nothing.
 */
class RunawayGuardsTest {
  static final long SEC = 1_000_000_000L;

  final List<GuardTrip> trips = new CopyOnWriteArrayList<>();
  final List<SessionRecord> updated = new CopyOnWriteArrayList<>();
  final List<SessionRecord> finished = new CopyOnWriteArrayList<>();
  final AssemblyListener listener =
      new AssemblyListener() {
        @Override
        public void guardTripped(GuardTrip trip) {
          trips.add(trip);
        }

        @Override
        public boolean wantsUpdates() {
          return true;
        }

        @Override
        public void sessionUpdated(SessionRecord s) {
          updated.add(s);
        }

        @Override
        public void sessionFinished(SessionRecord s) {
          finished.add(s);
        }
      };
  SessionAssembler assembler;
  Ingest ingest;
  long now = 1_000 * SEC;

  void start(GuardLimits limits) throws Exception {
    assembler =
        new SessionAssembler(
            new AssemblyConfig(
                2,
                Duration.ofSeconds(5),
                Duration.ofMinutes(30),
                1_000_000,
                10_000,
                1000,
                Integer.MAX_VALUE,
                Duration.ofMinutes(5),
                100_000),
            limits,
            Pricing.of(PriceFile.parse(new StringReader(SessionAssemblerTest.PRICES), "test")),
            () -> new Normalizer(new Names(256), Map.of(), new LongAdder()),
            listener);
    ingest = new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
  }

  static GuardLimits limits(int toolRepeat, int turnLlmCalls) {
    return new GuardLimits(toolRepeat, turnLlmCalls, 0, 0, 0, 0);
  }

  void send(List<Span> spans) throws Exception {
    ingest.traces(Spans.request("agent", spans).toByteArray(), Encoding.PROTOBUF, Protocol.HTTP);
  }

  /**
   * Moves the shards' clock on a little and handles everything due (no turn settles): two ticks, so
   * that what one shard posted to another after that one's tick is evaluated too.
   */
  void tick() {
    for (int i = 0; i < 2; i++) {
      now += SEC / 50;
      assembler.drainInline(now);
    }
  }

  SessionRecord session(String key) {
    CompletableFuture<SessionRecord> f = assembler.sessionAsync(key);
    assembler.drainInline(now);
    return f.join();
  }

  static Span tool(long trace, long id, long parent, String key, String name, String args) {
    Span.Builder b =
        attrs(
            span(trace, id, parent, "hermes.tool." + name),
            "hermes.span.kind",
            "TOOL",
            "hermes.tool.name",
            name,
            "hermes.session.id",
            key);
    return (args == null ? b : attrs(b, "hermes.tool.args", args)).build();
  }

  /**
   * A hermes turn (trace {@code trace}, turn span {@code trace * 1000 + 100}) whose running calls
   * are: an LLM call, then per tool name in {@code tools} the tool (with {@code args} + its name's
   * argument) and another LLM call. Calls only: the turn and session spans are still running. Start
   * order is span id order.
   */
  static List<Span> loopingTurn(long trace, String key, String... tools) {
    long turn = trace * 1000 + 100;
    List<Span> out = new ArrayList<>();
    long id = turn + 1;
    out.add(named(Spans.llm(trace, id++, turn, "tool_calls"), key));
    for (String t : tools) {
      out.add(tool(trace, id++, turn, key, t, "{\"path\":\"/etc/" + t + "\"}"));
      out.add(named(Spans.llm(trace, id++, turn, "tool_calls"), key));
    }
    return out;
  }

  static Span named(Span s, String key) {
    return attrs(s.toBuilder(), "hermes.session.id", key).build();
  }

  static String[] repeat(String tool, int n) {
    String[] out = new String[n];
    java.util.Arrays.fill(out, tool);
    return out;
  }

  List<GuardTrip> tripsOf(String key) {
    return trips.stream().filter(t -> t.sessionKey().equals(key)).toList();
  }

  @Test
  void eightIdenticalToolCallsTripToolRepeatOnceInEveryArrivalOrder() throws Exception {
    start(limits(5, 0));
    Random random = new Random(17);
    for (int round = 0; round < 12; round++) {
      String key = "loop-" + round;
      long trace = 100 + round;
      List<Span> calls = loopingTurn(trace, key, repeat("read_file", 8));
      Collections.shuffle(calls, random);
      // in one request, in a few, or one by one: each request handled before the next comes
      int per = round % 3 == 0 ? calls.size() : round % 3 == 1 ? 4 : 1;
      for (int i = 0; i < calls.size(); i += per) {
        send(calls.subList(i, Math.min(calls.size(), i + per)));
        tick();
      }
      assertThat(tripsOf(key))
          .as("round %d", round)
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.guard()).isEqualTo(Guard.TOOL_REPEAT);
                assertThat(t.value()).isBetween(5.0, 8.0);
                assertThat(t.limit()).isEqualTo(5.0);
                assertThat(t.traceId()).endsWith(String.format("%016x", trace));
                assertThat(t.service()).isEqualTo("agent");
              });
      SessionRecord live = session(key);
      assertThat(live.live()).isTrue();
      assertThat(live.guards()).extracting(GuardTrip::guard).containsExactly(Guard.TOOL_REPEAT);
    }
  }

  @Test
  void theGuardStateStaysWithinItsBoundsAndCountsWhatItForgets() throws Exception {
    // one running turn and 16 tool calls per turn kept (guards.max_running_turns,
    // guards.max_tool_calls_per_turn)
    start(new GuardLimits(5, 0, 0, 0, 0, 0, 1, 16));
    send(loopingTurn(1, "wide", "a", "b"));
    tick();
    assertThat(assembler.guardTurnsForgotten()).isZero();
    send(loopingTurn(2, "wide", "c", "d")); // a second running turn of the same session
    tick();
    assertThat(assembler.guardTurnsForgotten()).isEqualTo(1);

    String[] tools = new String[20];
    for (int i = 0; i < tools.length; i++) {
      tools[i] = "tool-" + i; // all different: no run, only calls to keep
    }
    send(loopingTurn(3, "long", tools));
    tick();
    assertThat(assembler.guardToolCallsForgotten()).isEqualTo(8); // the earliest half of 16
    // what stays still finds a loop
    send(loopingTurn(4, "long-loop", repeat("read_file", 40)));
    tick();
    assertThat(tripsOf("long-loop")).singleElement();
  }

  @Test
  void aDifferentToolCallInBetweenResetsTheRun() throws Exception {
    start(limits(5, 0));
    String[] tools = {"a", "a", "a", "a", "b", "a", "a", "a", "a"};
    // In start order, one by one.
    for (Span s : loopingTurn(1, "reset-1", tools)) {
      send(List.of(s));
      tick();
    }
    // All in one request, shuffled: the run is counted in start order, not arrival order.
    List<Span> shuffled = new ArrayList<>(loopingTurn(2, "reset-2", tools));
    Collections.shuffle(shuffled, new Random(3));
    send(shuffled);
    tick();
    // The same tool with other arguments breaks a run too.
    List<Span> other = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      String args = i == 4 ? "{\"path\":\"/tmp\"}" : "{\"path\":\"/etc/a\"}";
      other.add(tool(3, 3100 + i, 3100, "reset-3", "a", args));
    }
    send(other);
    tick();
    assertThat(trips).isEmpty();
    // One more "a" after the last four of reset-1 makes five in a row.
    send(List.of(tool(1, 1200, 1100, "reset-1", "a", "{\"path\":\"/etc/a\"}")));
    tick();
    assertThat(trips).extracting(GuardTrip::sessionKey).containsExactly("reset-1");
  }

  @Test
  void toolCallsWithoutArgumentsNeverFormARun() throws Exception {
    start(limits(2, 0));
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      spans.add(tool(5, 5101 + i, 5100, "noargs", "terminal", null));
    }
    send(spans);
    tick();
    assertThat(trips).isEmpty();
  }

  @Test
  void turnLlmCallsTripsOncePerTurnAndCallsCountOnceWhenTheirTurnArrives() throws Exception {
    start(new GuardLimits(0, 50, 121, 0, 0, 0));
    String key = "chatty";
    for (int turn = 0; turn < 2; turn++) {
      long trace = 7;
      long turnId = trace * 1000 + 100 * (turn + 1);
      List<Span> calls = new ArrayList<>();
      for (int i = 1; i <= 60; i++) {
        calls.add(named(Spans.llm(trace, turnId + i, turnId, "stop"), key));
      }
      Collections.shuffle(calls, new Random(turn));
      for (int i = 0; i < calls.size(); i += 7) {
        send(calls.subList(i, Math.min(calls.size(), i + 7)));
        tick();
      }
      assertThat(tripsOf(key)).hasSize(turn + 1);
      // The turn span arrives: its calls move under it, counted once (not 120 for the turn).
      send(
          List.of(
              attrs(
                      span(trace, turnId, trace * 1000, "hermes.turn"),
                      "hermes.span.kind",
                      "CHAIN",
                      "hermes.session.id",
                      key)
                  .build()));
      now += 6 * SEC;
      assembler.drainInline(now);
      tick();
    }
    assertThat(tripsOf(key))
        .extracting(GuardTrip::guard)
        .containsExactly(Guard.TURN_LLM_CALLS, Guard.TURN_LLM_CALLS);
    assertThat(tripsOf(key)).allSatisfy(t -> assertThat(t.value()).isEqualTo(50.0));
    // 120 calls in the session, each counted once: session_llm_calls (121) is not reached.
    SessionRecord r = session(key);
    assertThat(r.totals().llmCalls()).isEqualTo(120);
    assertThat(r.guards()).hasSize(2);
  }

  @Test
  void sessionGuardsTripOnceEachOnTheCallThatCrossesTheLine() throws Exception {
    // Each LLM call of Spans.llm: 5500 input + 300 output tokens, SessionAssemblerTest's price.
    long cost = SessionAssemblerTest.LLM_COST_PICO;
    start(new GuardLimits(0, 0, 3, 3 * 5800, 3 * cost, 10 * SEC));
    String key = "spender";
    long turn = 9100;
    for (int i = 1; i <= 6; i++) {
      send(List.of(named(Spans.llm(9, turn + i, turn, "stop"), key)));
      tick();
      if (i == 2) {
        assertThat(trips).isEmpty();
      }
    }
    assertThat(trips)
        .extracting(GuardTrip::guard)
        .containsExactly(Guard.SESSION_LLM_CALLS, Guard.SESSION_TOKENS, Guard.SESSION_COST_USD);
    assertThat(trips.get(0).value()).isEqualTo(3.0);
    assertThat(trips.get(1).value()).isEqualTo(3 * 5800.0);
    assertThat(trips.get(2).value()).isEqualTo(3 * cost / 1e12);
    assertThat(trips.get(2).limit()).isEqualTo(3 * cost / 1e12);
    // A call that starts 20 s after the first: the session has run past 10 s.
    Span late =
        named(
            Spans.llm(9, turn + 20, turn, "stop").toBuilder()
                .setStartTimeUnixNano(
                    1_700_000_000_000_000_000L + (turn + 1) * 1_000_000L + 20 * SEC)
                .setEndTimeUnixNano(1_700_000_000_000_000_000L + (turn + 1) * 1_000_000L + 21 * SEC)
                .build(),
            key);
    send(List.of(late));
    tick();
    assertThat(trips).extracting(GuardTrip::guard).endsWith(Guard.SESSION_DURATION).hasSize(4);
    assertThat(trips.get(3).value()).isGreaterThanOrEqualTo(10.0);
    // More calls: nothing trips twice.
    for (int i = 30; i < 40; i++) {
      send(List.of(named(Spans.llm(9, turn + i, turn, "stop"), key)));
      tick();
    }
    assertThat(trips).hasSize(4);
    assertThat(session(key).guards()).hasSize(4);
    // The session was shown changed after its trips.
    now += SEC;
    assembler.drainInline(now);
    assertThat(updated.get(updated.size() - 1).guards()).hasSize(4);
  }

  @Test
  void aNormalSessionTripsNothingAndGuardsOffKeepNoState() throws Exception {
    start(new GuardLimits(5, 50, 100, 1_000_000, SessionAssemblerTest.LLM_COST_PICO * 100, 0));
    send(Spans.hermesSession(3, "normal", 3, false));
    tick();
    now += 20 * SEC;
    assembler.drainInline(now);
    tick();
    assertThat(finished).singleElement().satisfies(s -> assertThat(s.guards()).isEmpty());
    assertThat(trips).isEmpty();
  }

  @Test
  void openInferenceAndGenAiSessionsTripToo() throws Exception {
    start(limits(3, 0));
    // OpenInference: one trace per turn, session.id on every span, the root still running.
    List<Span> oi = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      oi.add(
          attrs(
                  span(21, 21_000 + 2 * i, 21_000, "search"),
                  "openinference.span.kind",
                  "TOOL",
                  "tool.name",
                  "search",
                  "input.value",
                  "{\"q\":\"same\"}",
                  "session.id",
                  "oi-1")
              .build());
      oi.add(
          attrs(
                  span(21, 21_001 + 2 * i, 21_000, "llm"),
                  "openinference.span.kind",
                  "LLM",
                  "session.id",
                  "oi-1")
              .build());
    }
    Collections.reverse(oi);
    send(oi);
    tick();
    // OTel GenAI: execute_tool spans under a running invoke_agent, gen_ai.conversation.id.
    List<Span> genai = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      genai.add(
          attrs(
                  span(22, 22_000 + i, 22_000, "execute_tool get_weather"),
                  "gen_ai.operation.name",
                  "execute_tool",
                  "gen_ai.tool.name",
                  "get_weather",
                  "gen_ai.tool.call.arguments",
                  "{\"city\":\"Paris\"}",
                  "gen_ai.conversation.id",
                  "genai-1")
              .build());
    }
    for (Span s : genai) {
      send(List.of(s));
      tick();
    }
    assertThat(trips)
        .extracting(GuardTrip::sessionKey)
        .containsExactlyInAnyOrder("oi-1", "genai-1");
  }

  @Test
  void aLoopInALaterTurnTripsAfterAnEarlierTurnWasDecidedAndLetGo() throws Exception {
    start(limits(3, 50));
    String key = "later";
    // Turn 1: two identical calls, then its span: decided, its guard state let go.
    send(loopingTurn(30, key, "grep", "grep"));
    send(
        List.of(
            attrs(
                    span(30, 30_100, 30_000, "hermes.turn"),
                    "hermes.span.kind",
                    "CHAIN",
                    "hermes.session.id",
                    key)
                .build()));
    tick();
    now += 6 * SEC;
    assembler.drainInline(now);
    tick();
    assertThat(session(key).turns())
        .singleElement()
        .satisfies(t -> assertThat(t.provisional()).isFalse());
    // Turn 2 (same trace, the session span still running): one more identical call is no run of
    // three across turns; three in turn 2 are.
    List<Span> turn2 = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      turn2.add(tool(30, 30_200 + i, 30_200, key, "grep", "{\"path\":\"/etc/grep\"}"));
      send(List.of(turn2.get(i - 1)));
      tick();
      assertThat(trips).hasSize(i < 3 ? 0 : 1);
    }
    assertThat(session(key).totals().toolCalls()).isEqualTo(5);
  }
}
