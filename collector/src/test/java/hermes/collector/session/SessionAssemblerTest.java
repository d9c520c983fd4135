package hermes.collector.session;

import static hermes.collector.semconv.Spans.attrs;
import static hermes.collector.semconv.Spans.error;
import static hermes.collector.semconv.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hermes.collector.cost.PriceFile;
import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.AgentSpan;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionAssemblerTest {
  /** $1 per million input, $2 per million output, $0.10 cache read, $1.25 cache write. */
  static final String PRICES =
      """
      models:
        - match: "m1"
          owner: acme
          input: 1
          output: 2
          cache_read: 0.10
          cache_write: 1.25
      """;

  final List<AgentSpan> calls = new CopyOnWriteArrayList<>();
  final List<TurnRecord> turns = new CopyOnWriteArrayList<>();
  final List<SessionRecord> finished = new CopyOnWriteArrayList<>();
  final AssemblyListener listener =
      new AssemblyListener() {
        @Override
        public void callFinished(AgentSpan call, long costPico) {
          calls.add(call);
        }

        @Override
        public void turnFinished(TurnRecord turn) {
          turns.add(turn);
        }

        @Override
        public void sessionFinished(SessionRecord session) {
          finished.add(session);
        }
      };
  SessionAssembler assembler;
  Ingest ingest;

  /**
   * The settle delay of the next {@link #start}: 100 ms, so that tests finish quickly; tests that
   * send one session over many requests from this thread lengthen it, since on a loaded machine the
   * gap between two of those requests can pass 100 ms and make the later spans (rightly) late.
   */
  private Duration settle = Duration.ofMillis(100);

  void start(int shards, Duration idle, int maxLive, int maxQueued) throws Exception {
    Pricing pricing = Pricing.of(PriceFile.parse(new StringReader(PRICES), "test"));
    Names names = new Names(256);
    LongAdder corrections = new LongAdder();
    assembler =
        new SessionAssembler(
            new AssemblyConfig(shards, settle, idle, maxLive, 10_000, 100, maxQueued),
            pricing,
            () -> new Normalizer(names, Map.of(), corrections),
            listener);
    assembler.start();
    ingest = new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
  }

  void start() throws Exception {
    start(2, Duration.ofSeconds(30), 1000, 100_000);
  }

  @AfterEach
  void stop() {
    if (assembler != null) {
      assembler.close();
    }
  }

  void send(List<Span> spans) throws Exception {
    ingest.traces(
        Spans.request("hermes-agent", spans).toByteArray(), Encoding.PROTOBUF, Protocol.HTTP);
  }

  static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 30 s");
      }
      Thread.sleep(5);
    }
  }

  static List<Span> hermesSession(long trace, String key, int turns, boolean toolFails) {
    return Spans.hermesSession(trace, key, turns, toolFails);
  }

  static Span llm(long trace, long id, long parent, String finish) {
    return Spans.llm(trace, id, parent, finish);
  }

  /** The cost of {@link #llm} at {@link #PRICES}: 1000x1 + 4000x0.1 + 500x1.25 + 300x2 per M. */
  static final long LLM_COST_PICO =
      1000 * 1_000_000L + 4000 * 100_000L + 500 * 1_250_000L + 300 * 2_000_000L;

  @Test
  void aHermesSessionSentChildrenFirstAcrossRequests() throws Exception {
    settle = Duration.ofSeconds(3);
    start();
    List<Span> spans = hermesSession(1, "s-1", 3, false);
    for (int i = 0; i < spans.size(); i += 4) {
      send(spans.subList(i, Math.min(spans.size(), i + 4)));
    }
    await(() -> finished.size() == 1);
    SessionRecord s = finished.get(0);
    assertThat(s.key()).isEqualTo("s-1");
    assertThat(s.outcome()).isEqualTo("completed");
    assertThat(s.service()).isEqualTo("hermes-agent");
    assertThat(s.platform()).isEqualTo("cli");
    assertThat(s.turns()).hasSize(3);
    assertThat(s.turns()).extracting(TurnRecord::index).containsExactly(1, 2, 3);
    for (TurnRecord t : s.turns()) {
      assertThat(t.calls()).extracting(c -> c.role().name()).containsExactly("LLM", "TOOL", "LLM");
      assertThat(t.totals().llmCalls()).isEqualTo(2);
      assertThat(t.totals().toolCalls()).isEqualTo(1);
    }
    assertThat(s.looseCalls()).isEmpty();
    Totals tot = s.totals();
    assertThat(tot.llmCalls()).isEqualTo(6);
    assertThat(tot.toolCalls()).isEqualTo(3);
    assertThat(tot.inputTokens()).isEqualTo(6 * 5500);
    assertThat(tot.cacheReadTokens()).isEqualTo(6 * 4000);
    assertThat(tot.cacheWriteTokens()).isEqualTo(6 * 500);
    assertThat(tot.outputTokens()).isEqualTo(6 * 300);
    assertThat(tot.reasoningTokens()).isEqualTo(6 * 100);
    assertThat(tot.costPico()).isEqualTo(6 * LLM_COST_PICO);
    assertThat(tot.unpricedTokens()).isZero();
    assertThat(calls).hasSize(9);
    assertThat(turns).hasSize(3);
    assertThat(s.rootSpanId()).isEqualTo(1000);
    assertThat(assembler.lateSpans()).isZero();
  }

  @Test
  void anyArrivalOrderGivesTheSameTree() throws Exception {
    settle =
        Duration.ofSeconds(3); // the property itself, on virtual time: ArrivalOrderPropertyTest
    start(2, Duration.ofSeconds(30), 1000, 100_000);
    Random r = new Random(5);
    int sessions = 20;
    List<Span> all = new ArrayList<>();
    for (int i = 1; i <= sessions; i++) {
      all.addAll(hermesSession(i, "s-" + i, 1 + r.nextInt(4), i % 3 == 0));
    }
    Collections.shuffle(all, r);
    for (int i = 0; i < all.size(); i += 7) {
      send(all.subList(i, Math.min(all.size(), i + 7)));
    }
    await(() -> finished.size() == sessions);
    long totalCalls = 0;
    for (SessionRecord s : finished) {
      assertThat(s.outcome()).isEqualTo("completed");
      assertThat(s.looseCalls()).as("session %s", s.key()).isEmpty();
      for (TurnRecord t : s.turns()) {
        assertThat(t.calls()).as("turn %d of %s", t.index(), s.key()).hasSize(3);
      }
      assertThat(s.totals().costPico()).isEqualTo(s.totals().llmCalls() * LLM_COST_PICO);
      totalCalls += s.totals().llmCalls() + s.totals().toolCalls();
    }
    assertThat(totalCalls).isEqualTo(calls.size());
    assertThat(finished.stream().mapToLong(s -> s.totals().toolErrors()).sum())
        .isEqualTo(calls.stream().filter(c -> c.error()).count());
  }

  @Test
  void oneTracePerTurnSessionsWithoutASessionSpanFinishOnIdle() throws Exception {
    start(2, Duration.ofMillis(600), 1000, 100_000);
    for (int turn = 1; turn <= 3; turn++) {
      long trace = 100 + turn;
      long root = trace * 1000;
      List<Span> spans = new ArrayList<>();
      spans.add(
          attrs(
                  span(trace, root + 1, root, "ChatCompletion"),
                  "openinference.span.kind",
                  "LLM",
                  "session.id",
                  "phoenix-1",
                  "llm.model_name",
                  "m1",
                  "llm.token_count.prompt",
                  1000L,
                  "llm.token_count.completion",
                  10L)
              .build());
      spans.add(
          attrs(
                  span(trace, root + 2, root, "search"),
                  "openinference.span.kind",
                  "TOOL",
                  "tool.name",
                  "search",
                  "session.id",
                  "phoenix-1")
              .build());
      Span.Builder agent =
          attrs(
              span(trace, root, 0, "agent"),
              "openinference.span.kind",
              "AGENT",
              "session.id",
              "phoenix-1");
      spans.add((turn == 3 ? error(agent, "boom") : agent).build());
      send(spans);
    }
    await(() -> finished.size() == 1);
    SessionRecord s = finished.get(0);
    assertThat(s.key()).isEqualTo("phoenix-1");
    assertThat(s.turns()).hasSize(3);
    assertThat(s.outcome()).isEqualTo("error"); // its last turn failed
    assertThat(s.totals().llmCalls()).isEqualTo(3);
    assertThat(s.totals().inputTokens()).isEqualTo(3000);
    assertThat(s.totals().costPico()).isEqualTo(3 * (1000 * 1_000_000L + 10 * 2_000_000L));
    assertThat(turns).allSatisfy(t -> assertThat(t.calls()).hasSize(2));
  }

  @Test
  void aRootAgentWithoutSessionAttributeIsASessionAndItsDirectCallsItsTurn() throws Exception {
    start();
    long trace = 77;
    send(
        List.of(
            attrs(
                    span(trace, 2, 1, "chat m1"),
                    "gen_ai.operation.name",
                    "chat",
                    "gen_ai.usage.input_tokens",
                    10L)
                .build(),
            attrs(span(trace, 3, 1, "execute_tool t"), "gen_ai.operation.name", "execute_tool")
                .build(),
            attrs(span(trace, 1, 0, "invoke_agent a"), "gen_ai.operation.name", "invoke_agent")
                .build()));
    await(() -> finished.size() == 1);
    SessionRecord s = finished.get(0);
    assertThat(s.key()).isEqualTo(String.format("%016x%016x", 1, trace));
    assertThat(s.turns()).hasSize(1);
    assertThat(s.turns().get(0).calls()).hasSize(2);
    assertThat(s.outcome()).isEqualTo("completed");
  }

  @Test
  void nestedChainsCountForTheOutermostTurn() throws Exception {
    start();
    long trace = 9;
    send(
        List.of(
            attrs(
                    span(trace, 4, 3, "openai.chat"),
                    "llm.request.type",
                    "chat",
                    "gen_ai.request.model",
                    "m1",
                    "gen_ai.usage.prompt_tokens",
                    5L)
                .build(),
            attrs(span(trace, 5, 3, "lookup.tool"), "traceloop.span.kind", "tool").build(),
            attrs(span(trace, 3, 2, "step.task"), "traceloop.span.kind", "task").build(),
            attrs(
                    span(trace, 2, 0, "joke.workflow"),
                    "traceloop.span.kind",
                    "workflow",
                    "traceloop.association.properties.session_id",
                    "tl-1")
                .build()));
    await(() -> turns.size() == 1);
    assertThat(turns.get(0).spanId()).isEqualTo(2);
    assertThat(turns.get(0).calls()).hasSize(2);
    assertThat(turns.get(0).sessionKey()).isEqualTo("tl-1");
  }

  @Test
  void spansAfterFinalizationAreLateButStillCounted() throws Exception {
    start();
    send(hermesSession(3, "s-3", 1, false));
    await(() -> finished.size() == 1);
    send(List.of(llm(3, 3101, 3100, "stop"))); // a straggler for the finished turn
    await(() -> assembler.lateSpans() == 1);
    assertThat(calls).hasSize(4); // per-call totals still include it
    assertThat(finished).hasSize(1);
  }

  @Test
  void turnsWhoseSessionSpanNeverComesAreAbandoned() throws Exception {
    start(1, Duration.ofMillis(500), 1000, 100_000);
    List<Span> spans = new ArrayList<>(hermesSession(4, "s-4", 2, false));
    spans.remove(spans.size() - 1); // no session span
    send(spans);
    await(() -> finished.size() == 1);
    assertThat(finished.get(0).outcome()).isEqualTo("abandoned");
    assertThat(finished.get(0).turns()).hasSize(2);
  }

  @Test
  void theLiveSessionBoundEvictsTheLeastRecentlyActive() throws Exception {
    start(1, Duration.ofSeconds(30), 2, 100_000);
    for (int i = 1; i <= 3; i++) {
      List<Span> spans = new ArrayList<>(hermesSession(10 + i, "e-" + i, 1, false));
      spans.remove(spans.size() - 1);
      send(spans);
      final int n = i;
      await(() -> turns.size() == n);
    }
    await(() -> finished.size() == 1);
    assertThat(finished.get(0).key()).isEqualTo("e-1");
    assertThat(finished.get(0).outcome()).isEqualTo("abandoned");
    await(() -> assembler.evictedSessions() == 1);
    assertThat(assembler.sessions(true, 10))
        .extracting(SessionRecord::key)
        .containsExactlyInAnyOrder("e-2", "e-3");
  }

  @Test
  void aFullPipelineRefusesTheWholeRequest() throws Exception {
    start(1, Duration.ofSeconds(30), 1000, 5);
    List<Span> spans = hermesSession(20, "s-20", 2, false); // 9 spans > 5
    assertThatThrownBy(() -> send(spans)).isInstanceOf(PipelineFullException.class);
    send(spans.subList(0, 4));
    await(() -> calls.size() == 3);
  }

  @Test
  void theApiSeesLiveAndFinishedSessions() throws Exception {
    start();
    List<Span> live = new ArrayList<>(hermesSession(30, "live-1", 1, false));
    live.remove(live.size() - 1);
    send(live);
    send(hermesSession(31, "done-1", 1, false));
    await(() -> finished.size() == 1);
    await(() -> assembler.liveSessions() == 1);
    assertThat(assembler.sessions(true, 10))
        .extracting(SessionRecord::key)
        .containsExactly("live-1");
    assertThat(assembler.sessions(false, 10))
        .extracting(SessionRecord::key)
        .containsExactly("done-1");
    assertThat(assembler.session("live-1").live()).isTrue();
    assertThat(assembler.session("done-1").outcome()).isEqualTo("completed");
    assertThat(assembler.session("nope")).isNull();
  }
}
