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
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.semconv.Spans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Live sessions on the assembler's own clock: the shards are drained inline at chosen times, so
 * settle delays and idle timeouts pass without waiting.
 */
class LiveSessionsTest {
  static final long SEC = 1_000_000_000L;

  final List<SessionRecord> opened = new CopyOnWriteArrayList<>();
  final List<SessionRecord> updated = new CopyOnWriteArrayList<>();
  final List<SessionRecord> finished = new CopyOnWriteArrayList<>();
  final LongAdder calls = new LongAdder();
  final AssemblyListener listener =
      new AssemblyListener() {
        @Override
        public void callFinished(AgentSpan call, long costPico) {
          calls.increment();
        }

        @Override
        public void sessionOpened(SessionRecord s) {
          assertThat(s.live()).isTrue();
          opened.add(s);
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
  int contentBytes;

  void start(int shards, int maxPending) throws Exception {
    assembler =
        new SessionAssembler(
            new AssemblyConfig(
                shards,
                Duration.ofSeconds(5),
                Duration.ofMinutes(30),
                1_000_000,
                10_000,
                1000,
                Integer.MAX_VALUE,
                Duration.ofMinutes(5),
                maxPending),
            Pricing.of(PriceFile.parse(new StringReader(SessionAssemblerTest.PRICES), "test")),
            () -> new Normalizer(new Names(256), Map.of(), new LongAdder(), contentBytes),
            listener);
    ingest = new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
  }

  void send(List<Span> spans) throws Exception {
    ingest.traces(Spans.request("agent", spans).toByteArray(), Encoding.PROTOBUF, Protocol.HTTP);
  }

  /** Moves the shards' clock to {@code t} and handles everything due. */
  void at(long t) {
    now = t;
    assembler.drainInline(now);
  }

  SessionRecord session(String key) {
    CompletableFuture<SessionRecord> f = assembler.sessionAsync(key);
    assembler.drainInline(now);
    return f.join();
  }

  List<SessionRecord> live() {
    CompletableFuture<List<SessionRecord>> f = assembler.sessionsAsync(true, 1_000_000);
    assembler.drainInline(now);
    return f.join();
  }

  @Test
  void aSessionIsLiveFromItsFirstSpanAndCallsMoveUnderTheirTurnCountedOnce() throws Exception {
    start(2, 100_000);
    List<Span> s = Spans.hermesSession(1, "live-1", 2, false); // llm, tool, llm, turn, ... session
    long t0 = now;
    send(List.of(s.get(0))); // the first LLM call names no session: nothing to show yet
    at(t0);
    assertThat(opened).isEmpty();
    send(List.of(s.get(1))); // the tool span carries hermes.session.id
    at(t0 + SEC / 10);
    assertThat(opened).extracting(SessionRecord::key).containsExactly("live-1");
    SessionRecord r = session("live-1");
    assertThat(r.live()).isTrue();
    assertThat(r.turns()).hasSize(1);
    assertThat(r.turns().get(0).provisional()).isTrue();
    assertThat(r.turns().get(0).calls())
        .extracting(c -> c.role().name())
        .containsExactly("LLM", "TOOL");
    assertThat(r.totals().llmCalls()).isEqualTo(1);
    assertThat(r.totals().toolCalls()).isEqualTo(1);

    send(List.of(s.get(2))); // the second LLM call: the totals grow, an update is sent
    at(t0 + SEC / 2);
    assertThat(updated).isNotEmpty();
    assertThat(updated.get(updated.size() - 1).totals().llmCalls()).isEqualTo(2);

    send(List.of(s.get(3))); // the turn span: after its settle delay the calls move under it
    at(t0 + SEC);
    at(t0 + 7 * SEC);
    r = session("live-1");
    assertThat(r.turns()).hasSize(1);
    TurnRecord turn = r.turns().get(0);
    assertThat(turn.provisional()).isFalse();
    assertThat(turn.calls()).hasSize(3);
    assertThat(r.openTurns()).isEmpty();
    assertThat(r.totals().llmCalls()).isEqualTo(2); // counted once
    assertThat(r.totals().toolCalls()).isEqualTo(1);

    send(s.subList(4, s.size())); // the second turn and the session span
    at(t0 + 14 * SEC);
    at(t0 + 21 * SEC);
    assertThat(finished).hasSize(1);
    SessionRecord f = finished.get(0);
    assertThat(f.outcome()).isEqualTo("completed");
    assertThat(f.turns()).hasSize(2).allSatisfy(t -> assertThat(t.calls()).hasSize(3));
    assertThat(f.looseCalls()).isEmpty();
    assertThat(f.totals().llmCalls()).isEqualTo(4);
    assertThat(f.totals().toolCalls()).isEqualTo(2);
    assertThat(opened).hasSize(1);
    long openedUpdates = updated.stream().filter(u -> u.key().equals("live-1")).count();
    assertThat(openedUpdates).isLessThan(8); // coalesced, not one per span
  }

  @Test
  void anLlmSpanWhoseParentNeverArrivesStillShowsItsSession() throws Exception {
    start(2, 100_000);
    send(
        List.of(
            attrs(Spans.llm(7, 7001, 7000, "stop").toBuilder(), "hermes.session.id", "orphan-1")
                .build()));
    at(now);
    assertThat(opened).extracting(SessionRecord::key).containsExactly("orphan-1");
    SessionRecord r = session("orphan-1");
    assertThat(r.turns()).singleElement().satisfies(t -> assertThat(t.calls()).hasSize(1));
    assertThat(r.totals().llmCalls()).isEqualTo(1);
    assertThat(r.totals().costPico()).isEqualTo(SessionAssemblerTest.LLM_COST_PICO);
  }

  static List<Span> openLlmetryTurn(long trace, String key, boolean withLlm) {
    long root = trace * 1000;
    List<Span> spans = new ArrayList<>();
    spans.add(
        attrs(
                span(trace, root, 0, "joke.workflow"),
                "traceloop.span.kind",
                "workflow",
                "traceloop.association.properties.session_id",
                key)
            .build());
    spans.add(
        attrs(
                span(trace, root + 1, root, "joke.task"),
                "traceloop.span.kind",
                "task",
                "traceloop.association.properties.session_id",
                key)
            .build());
    if (withLlm) {
      spans.add(llmUnder(trace, root + 2, root + 1, key));
    }
    return spans;
  }

  static Span llmUnder(long trace, long id, long parent, String key) {
    return attrs(
            span(trace, id, parent, "openai.chat"),
            "llm.request.type",
            "chat",
            "gen_ai.request.model",
            "m1",
            "gen_ai.usage.prompt_tokens",
            100L,
            "traceloop.association.properties.session_id",
            key)
        .build();
  }

  @Test
  void aCallTwoLevelsDownInALaterRequestLandsInItsTurn() throws Exception {
    start(2, 100_000);
    long t0 = now;
    send(openLlmetryTurn(9, "tl-1", false)); // workflow -> task
    at(t0);
    send(List.of(llmUnder(9, 9002, 9001, "tl-1"))); // -> openai.chat, 300 ms later
    at(t0 + 3 * SEC / 10);
    at(t0 + 6 * SEC);
    at(t0 + 12 * SEC);
    SessionRecord r = session("tl-1");
    assertThat(r.turns())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.provisional()).isFalse();
              assertThat(t.spanId()).isEqualTo(9000);
              assertThat(t.calls()).hasSize(1);
            });
    assertThat(r.looseCalls()).isEmpty();
    assertThat(r.totals().llmCalls()).isEqualTo(1);
    // no provider attribute: the price table says whose model m1 is
    assertThat(r.turns().get(0).calls().get(0).provider()).isEqualTo("acme");
  }

  @Test
  void rootlessSessionsEndAfterTheirQuietPeriodAndAComebackIsANewSession() throws Exception {
    start(2, 100_000);
    long t0 = now;
    List<Span> first = new ArrayList<>(openLlmetryTurn(11, "chat-1", true));
    first.add(llmUnder(11, 11_900, 11_800, "chat-1")); // its parent never arrives
    send(first);
    at(t0);
    at(t0 + 6 * SEC);
    at(t0 + 4 * 60 * SEC);
    assertThat(finished).isEmpty(); // quiet for 4 min: still live
    at(t0 + 5 * 60 * SEC + 7 * SEC); // 5 min after its turn was decided
    assertThat(finished).hasSize(1);
    SessionRecord one = finished.get(0);
    assertThat(one.key()).isEqualTo("chat-1");
    assertThat(one.outcome()).isEqualTo("completed");
    assertThat(one.totals().llmCalls()).isEqualTo(2);
    assertThat(live()).isEmpty();

    send(openLlmetryTurn(12, "chat-1", true)); // the user comes back 10 minutes later
    at(t0 + 10 * 60 * SEC);
    assertThat(opened).extracting(SessionRecord::key).containsExactly("chat-1", "chat-1");
    at(t0 + 10 * 60 * SEC + 6 * SEC);
    at(t0 + 16 * 60 * SEC);
    at(t0 + 60 * 60 * SEC); // every trace idle and dropped: nothing comes back twice
    assertThat(finished).hasSize(2);
    assertThat(finished.get(1).totals().llmCalls()).isEqualTo(1);
    assertThat(finished.stream().mapToLong(f -> f.totals().llmCalls()).sum())
        .isEqualTo(calls.sum());
    assertThat(assembler.lateSpans()).isZero();
  }

  @Test
  void millionsOfOrphanSpansStayWithinThePendingBound() throws Exception {
    int bound = 10_000;
    start(2, bound);
    int total = 1 << 20;
    int perRequest = 4096;
    int perTrace = 8;
    long trace = 100_000;
    for (int sent = 0; sent < total; ) {
      List<Span> spans = new ArrayList<>(perRequest);
      for (int i = 0; i < perRequest; i += perTrace, trace++) {
        for (int j = 0; j < perTrace; j++) {
          // parents never arrive (a crashed agent never exports its roots)
          spans.add(llmUnder(trace, trace * 100 + j + 1, trace * 100, "crash-" + (trace % 64)));
        }
      }
      send(spans);
      sent += perRequest;
      now += SEC / 1000;
      assembler.drainInline(now);
      assertThat(assembler.pendingSpans()).isLessThanOrEqualTo(bound);
    }
    assertThat(assembler.pendingEvicted()).isGreaterThan(0);
    assertThat(calls.sum()).isEqualTo(total);
    long counted = 0;
    for (SessionRecord s : live()) {
      counted += s.totals().llmCalls();
    }
    assertThat(counted).isEqualTo(total); // settled early, never lost
  }

  static Span.Builder genAi(long trace, long id, long parent, String op, String name) {
    return attrs(span(trace, id, parent, name), "gen_ai.operation.name", op);
  }

  @Test
  void aTraceThatNamesNoSessionIsShownUnderItsTraceId() throws Exception {
    start(2, 100_000);
    long t0 = now;
    send(
        List.of(
            genAi(21, 2101, 2100, "chat", "chat m1").build(),
            genAi(21, 2100, 0, "invoke_agent", "invoke_agent a").build()));
    at(t0);
    at(t0 + SEC);
    String hex = String.format("%016x%016x", 1, 21);
    assertThat(opened).extracting(SessionRecord::key).containsExactly(hex);
    assertThat(session(hex).totals().llmCalls()).isEqualTo(1);
    at(t0 + 7 * SEC);
    assertThat(finished).extracting(SessionRecord::key).containsExactly(hex);
    assertThat(finished.get(0).turns())
        .singleElement()
        .satisfies(t -> assertThat(t.calls()).hasSize(1));
  }

  @Test
  void aSessionNamedAfterItsTraceWasShownMovesThereAndTheTraceIdSessionIsWithdrawn()
      throws Exception {
    start(2, 100_000);
    long t0 = now;
    send(
        List.of(
            genAi(22, 2200, 0, "invoke_agent", "invoke_agent a").build(),
            genAi(22, 2201, 2200, "chat", "chat m1").build()));
    at(t0);
    at(t0 + SEC); // shown under the trace id
    send(
        List.of(
            attrs(genAi(22, 2202, 2200, "chat", "chat m1"), "gen_ai.conversation.id", "conv-1")
                .build()));
    at(t0 + 2 * SEC);
    String hex = String.format("%016x%016x", 1, 22);
    assertThat(opened).extracting(SessionRecord::key).containsExactly(hex, "conv-1");
    assertThat(finished)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.key()).isEqualTo(hex);
              assertThat(f.withdrawn()).isTrue();
            });
    assertThat(session(hex)).isNull();
    assertThat(session("conv-1").totals().llmCalls()).isEqualTo(2);
    at(t0 + 8 * SEC);
    at(t0 + 14 * SEC);
    SessionRecord r = session("conv-1");
    assertThat(r.turns()).singleElement().satisfies(t -> assertThat(t.calls()).hasSize(2));
    assertThat(r.totals().llmCalls()).isEqualTo(2);
  }

  @Test
  void thePendingBoundPassesOverTracesThatHoldNothing() throws Exception {
    start(1, 1000);
    long t0 = now;
    List<Span> s = Spans.hermesSession(30, "waiting-1", 2, false);
    send(s.subList(0, s.size() - 1)); // both turns, no session span yet
    at(t0);
    at(t0 + 6 * SEC); // the turns are final; the trace waits for its session span, holding nothing
    List<Span> orphans = new ArrayList<>();
    for (long trace = 40; trace < 40 + 500; trace++) {
      for (int j = 1; j <= 4; j++) {
        orphans.add(llmUnder(trace, trace * 100 + j, trace * 100, "crash"));
      }
    }
    send(orphans); // 2000 pending spans over a bound of 1000
    at(t0 + 7 * SEC);
    assertThat(assembler.pendingEvicted()).isPositive();
    assertThat(assembler.pendingSpans()).isLessThanOrEqualTo(1000);
    send(s.subList(s.size() - 1, s.size())); // the session span
    at(t0 + 8 * SEC);
    at(t0 + 14 * SEC);
    assertThat(finished).extracting(SessionRecord::key).contains("waiting-1");
    SessionRecord w =
        finished.stream().filter(f -> f.key().equals("waiting-1")).findFirst().orElseThrow();
    assertThat(w.outcome()).isEqualTo("completed");
    assertThat(w.turns()).hasSize(2);
    assertThat(assembler.lateSpans()).isZero();
  }

  @Test
  void capturedContentIsKeptCutOnTheRecords() throws Exception {
    contentBytes = 16;
    start(1, 100_000);
    long t0 = now;
    send(
        List.of(
            attrs(
                    span(50, 5002, 5001, "hermes.tool.read_file"),
                    "hermes.span.kind",
                    "TOOL",
                    "hermes.session.id",
                    "c-1",
                    "hermes.tool.args",
                    "{\"path\": \"/etc/hosts\"}",
                    "hermes.tool.result",
                    "ok")
                .build(),
            attrs(
                    span(50, 5001, 0, "hermes.turn"),
                    "hermes.span.kind",
                    "CHAIN",
                    "hermes.session.id",
                    "c-1",
                    "hermes.turn.user_message",
                    "héllo wörld, ééé: what is in /etc/hosts?")
                .build()));
    at(t0);
    CallRecord open = session("c-1").turns().get(0).calls().get(0);
    assertThat(open.toolArgs()).isEqualTo("{\"path\": \"/etc/h");
    at(t0 + 6 * SEC);
    at(t0 + 12 * SEC);
    SessionRecord r = session("c-1");
    TurnRecord turn = r.turns().get(0);
    assertThat(turn.provisional()).isFalse();
    // 16 bytes of UTF-8, cut before a character, never inside one
    assertThat(turn.userMessage()).isEqualTo("héllo wörld, ");
    CallRecord tool = turn.calls().get(0);
    assertThat(tool.toolArgs()).isEqualTo("{\"path\": \"/etc/h");
    assertThat(tool.toolResult()).isEqualTo("ok");
  }

  @Test
  void withoutCaptureNoContentIsKept() throws Exception {
    start(1, 100_000);
    send(
        List.of(
            attrs(
                    span(51, 5102, 5101, "hermes.tool.read_file"),
                    "hermes.span.kind",
                    "TOOL",
                    "hermes.session.id",
                    "c-2",
                    "hermes.tool.args",
                    "secret")
                .build()));
    at(now);
    assertThat(session("c-2").turns().get(0).calls().get(0).toolArgs()).isNull();
  }
}
