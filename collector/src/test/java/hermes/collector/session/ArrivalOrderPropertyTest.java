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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The arrival order of spans never changes a tree: generated sessions of the four conventions
 * (hermes plugin, OTel GenAI, OpenInference, OpenLLMetry; calls one and two levels below their
 * turn, sub-agents, tools under LLM calls, calls whose parent never arrives), sent in one request
 * and then permuted (children first, parents first, shuffled) over one to eight requests spread
 * over less than the settle delay, must finish as the same sessions with the same turns, calls and
 * totals. Seeded: a failure names its seed, and the assembler runs on its own clock (drained
 * inline), so the test is fast and deterministic.
 */
class ArrivalOrderPropertyTest {
  static final long SEC = 1_000_000_000L;
  static final long SETTLE = 5 * SEC;
  static final int CASES = 400;

  /** A generated session: its spans, and each span's depth (0 = a trace root). */
  record Generated(String convention, List<Span> spans, Map<Long, Integer> depth) {}

  @Test
  void anyPermutationOverAnyNumberOfRequestsGivesTheSameTree() throws Exception {
    for (int seed = 1; seed <= CASES; seed++) {
      Random r = new Random(seed);
      Generated g = generate(r, seed);
      List<String> reference = run(List.of(g.spans()), new long[] {0});
      List<Span> order = new ArrayList<>(g.spans());
      switch (r.nextInt(3)) {
        case 0 -> order.sort(Comparator.comparingInt(s -> -depthOf(g, s))); // children first
        case 1 -> order.sort(Comparator.comparingInt(s -> depthOf(g, s))); // parents first
        default -> Collections.shuffle(order, r);
      }
      int requests = 1 + r.nextInt(Math.min(8, order.size()));
      List<List<Span>> parts = split(order, requests, r);
      long[] times = new long[parts.size()];
      for (int i = 1; i < times.length; i++) {
        times[i] = (long) (r.nextDouble() * 0.9 * SETTLE); // all within the settle delay
      }
      java.util.Arrays.sort(times);
      List<String> permuted = run(parts, times);
      assertThat(permuted)
          .as("seed %d (%s, %d requests): %s", seed, g.convention(), parts.size(), parts)
          .isEqualTo(reference);
    }
  }

  private static int depthOf(Generated g, Span s) {
    return g.depth().get(ByteBufferId.of(s));
  }

  /** Span ids as longs. */
  static final class ByteBufferId {
    static long of(Span s) {
      return java.nio.ByteBuffer.wrap(s.getSpanId().toByteArray()).getLong();
    }
  }

  private static List<List<Span>> split(List<Span> spans, int parts, Random r) {
    List<Integer> cuts = new ArrayList<>();
    for (int i = 1; i < spans.size(); i++) {
      cuts.add(i);
    }
    Collections.shuffle(cuts, r);
    List<Integer> chosen = new ArrayList<>(cuts.subList(0, parts - 1));
    Collections.sort(chosen);
    List<List<Span>> out = new ArrayList<>();
    int from = 0;
    for (int c : chosen) {
      out.add(spans.subList(from, c));
      from = c;
    }
    out.add(spans.subList(from, spans.size()));
    return out;
  }

  /** Sends the requests at their times, lets everything finish, and describes what finished. */
  private static List<String> run(List<List<Span>> requests, long[] times) throws Exception {
    List<SessionRecord> finished = new CopyOnWriteArrayList<>();
    LongAdder opened = new LongAdder();
    SessionAssembler a =
        new SessionAssembler(
            new AssemblyConfig(
                2,
                Duration.ofNanos(SETTLE),
                Duration.ofMinutes(30),
                1000,
                10_000,
                1000,
                Integer.MAX_VALUE,
                Duration.ofMinutes(5),
                100_000),
            Pricing.of(PriceFile.parse(new StringReader(SessionAssemblerTest.PRICES), "test")),
            () -> new Normalizer(new Names(256), Map.of(), new LongAdder()),
            new AssemblyListener() {
              @Override
              public void sessionOpened(SessionRecord s) {
                opened.increment();
              }

              @Override
              public void sessionFinished(SessionRecord s) {
                finished.add(s);
              }
            });
    Ingest ingest = new Ingest(ReaderLimits.DEFAULT, a, IngestInstrumentation.NOOP);
    long t0 = 1_000 * SEC;
    for (int i = 0; i < requests.size(); i++) {
      a.drainInline(t0 + times[i]);
      ingest.traces(
          Spans.request("agent", requests.get(i)).toByteArray(), Encoding.PROTOBUF, Protocol.HTTP);
      a.drainInline(t0 + times[i]);
    }
    long end = t0 + times[times.length - 1];
    for (int i = 1; i <= 6; i++) {
      a.drainInline(end + i * (SETTLE + SEC)); // settle, and the deferrals of parentless chains
    }
    a.drainInline(end + 6 * 60 * SEC); // rootless sessions end
    a.drainInline(end + 40 * 60 * SEC); // traces and sessions idle out
    a.drainInline(end + 80 * 60 * SEC);
    List<String> out = new ArrayList<>();
    for (SessionRecord s : finished) {
      out.add(describe(s));
    }
    Collections.sort(out);
    out.add("opened " + opened.sum() + ", late " + a.lateSpans());
    return out;
  }

  private static String describe(SessionRecord s) {
    TreeMap<Long, List<Long>> turns = new TreeMap<>();
    for (TurnRecord t : s.turns()) {
      List<Long> ids = new ArrayList<>();
      for (CallRecord c : t.calls()) {
        ids.add(c.spanId());
      }
      Collections.sort(ids);
      turns.merge(
          t.spanId(),
          ids,
          (x, y) -> {
            List<Long> m = new ArrayList<>(x);
            m.addAll(y);
            Collections.sort(m);
            return m;
          });
    }
    List<Long> loose = new ArrayList<>();
    for (CallRecord c : s.looseCalls()) {
      loose.add(c.spanId());
    }
    Collections.sort(loose);
    Totals t = s.totals();
    return s.key()
        + " "
        + s.outcome()
        + " turns="
        + turns
        + " loose="
        + loose
        + " llm="
        + t.llmCalls()
        + " tools="
        + t.toolCalls()
        + " in="
        + t.inputTokens()
        + " out="
        + t.outputTokens()
        + " cost="
        + t.costPico();
  }

  // ------------------------------------------------------------------ generators

  private static final class Builder {
    final List<Span> spans = new ArrayList<>();
    final Map<Long, Integer> depth = new java.util.HashMap<>();
    long next;

    Builder(long base) {
      next = base;
    }

    long id() {
      return ++next;
    }

    void add(Span.Builder b, long id, int d) {
      spans.add(b.build());
      depth.put(id, d);
    }
  }

  static Generated generate(Random r, int seed) {
    String key = "p-" + seed;
    long trace = seed * 100L;
    Builder b = new Builder(seed * 1_000_000L);
    switch (seed % 4) {
      case 0 -> hermes(b, r, trace, key);
      case 1 -> genAi(b, r, trace, key);
      case 2 -> openInference(b, r, trace, key);
      default -> openLlmetry(b, r, trace, key);
    }
    String[] names = {"genai", "openinference", "openllmetry", "hermes"};
    return new Generated(names[(seed + 3) % 4], b.spans, b.depth);
  }

  private static Span.Builder llm(long trace, long id, long parent, String... kv) {
    Span.Builder s =
        attrs(
            span(trace, id, parent, "chat m1"),
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "m1",
            "gen_ai.usage.input_tokens",
            100L + id % 50,
            "gen_ai.usage.output_tokens",
            10L);
    return kv.length == 0 ? s : attrs(s, (Object[]) kv);
  }

  private static void hermes(Builder b, Random r, long trace, String key) {
    long root = b.id();
    int turns = 1 + r.nextInt(3);
    for (int t = 0; t < turns; t++) {
      long turn = b.id();
      int calls = 1 + r.nextInt(4);
      for (int c = 0; c < calls; c++) {
        long llm = b.id();
        Span.Builder call = Spans.llm(trace, llm, turn, "stop").toBuilder();
        // the reference plugin names the session on turns and tools, not on LLM calls
        b.add(r.nextBoolean() ? call : attrs(call, "hermes.session.id", key), llm, 2);
        if (r.nextBoolean()) {
          long tool = b.id();
          boolean underLlm = r.nextInt(4) == 0; // some plugins parent tools to the LLM call
          b.add(
              attrs(
                  span(trace, tool, underLlm ? llm : turn, "hermes.tool.terminal"),
                  "hermes.span.kind",
                  "TOOL",
                  "hermes.tool.name",
                  "terminal",
                  "hermes.session.id",
                  key),
              tool,
              underLlm ? 3 : 2);
        }
      }
      b.add(
          attrs(
              span(trace, turn, root, "hermes.turn"),
              "hermes.span.kind",
              "CHAIN",
              "hermes.session.id",
              key,
              "hermes.turn.index",
              (long) t + 1),
          turn,
          1);
    }
    b.add(
        attrs(
            span(trace, root, 0, "hermes.session"),
            "hermes.span.kind",
            "AGENT",
            "hermes.session.id",
            key,
            "hermes.session.completed",
            true),
        root,
        0);
  }

  /** One trace per turn: invoke_agent (with the conversation id) -> chat / execute_tool. */
  private static void genAi(Builder b, Random r, long trace, String key) {
    int turns = 1 + r.nextInt(3);
    for (int t = 0; t < turns; t++) {
      long tr = trace + t;
      long root = b.id();
      b.add(
          attrs(
              span(tr, root, 0, "invoke_agent a"),
              "gen_ai.operation.name",
              "invoke_agent",
              "gen_ai.conversation.id",
              key),
          root,
          0);
      long parent = root;
      int d = 1;
      if (r.nextBoolean()) { // a sub-agent: its calls count for the turn, two levels down
        long sub = b.id();
        b.add(
            attrs(span(tr, sub, root, "invoke_agent sub"), "gen_ai.operation.name", "invoke_agent"),
            sub,
            1);
        parent = sub;
        d = 2;
      }
      int calls = 1 + r.nextInt(4);
      for (int c = 0; c < calls; c++) {
        long id = b.id();
        b.add(llm(tr, id, c % 2 == 0 ? parent : root), id, c % 2 == 0 ? d : 1);
        if (r.nextBoolean()) {
          long tool = b.id();
          b.add(
              attrs(
                  span(tr, tool, root, "execute_tool t"),
                  "gen_ai.operation.name",
                  "execute_tool",
                  "gen_ai.tool.name",
                  "t"),
              tool,
              1);
        }
      }
    }
  }

  /** One trace per turn grouped by session.id: AGENT -> CHAIN -> LLM, TOOL; session.id on all. */
  private static void openInference(Builder b, Random r, long trace, String key) {
    int turns = 1 + r.nextInt(3);
    for (int t = 0; t < turns; t++) {
      long tr = trace + t;
      long root = b.id();
      b.add(
          attrs(span(tr, root, 0, "agent"), "openinference.span.kind", "AGENT", "session.id", key),
          root,
          0);
      long chain = b.id();
      b.add(
          attrs(
              span(tr, chain, root, "chain"),
              "openinference.span.kind",
              "CHAIN",
              "session.id",
              key),
          chain,
          1);
      int calls = 1 + r.nextInt(4);
      for (int c = 0; c < calls; c++) {
        long id = b.id();
        b.add(
            attrs(
                span(tr, id, chain, "ChatCompletion"),
                "openinference.span.kind",
                "LLM",
                "session.id",
                key,
                "llm.model_name",
                "m1",
                "llm.token_count.prompt",
                100L + id % 50,
                "llm.token_count.completion",
                10L),
            id,
            2);
        if (r.nextBoolean()) {
          long tool = b.id();
          b.add(
              attrs(
                  span(tr, tool, root, "search"),
                  "openinference.span.kind",
                  "TOOL",
                  "tool.name",
                  "search",
                  "session.id",
                  key),
              tool,
              1);
        }
      }
      if (r.nextInt(5) == 0) { // an LLM span whose parent never arrives
        long id = b.id();
        b.add(
            attrs(
                span(tr, id, id + 1_000_000, "ChatCompletion"),
                "openinference.span.kind",
                "LLM",
                "session.id",
                key,
                "llm.model_name",
                "m1"),
            id,
            9);
      }
    }
  }

  /** workflow -> task -> openai.chat / {name}.tool; the session id on every span. */
  private static void openLlmetry(Builder b, Random r, long trace, String key) {
    int turns = 1 + r.nextInt(3);
    for (int t = 0; t < turns; t++) {
      long tr = trace + t;
      long root = b.id();
      b.add(
          attrs(
              span(tr, root, 0, "chat.workflow"),
              "traceloop.span.kind",
              "workflow",
              "traceloop.association.properties.session_id",
              key),
          root,
          0);
      int tasks = 1 + r.nextInt(2);
      for (int k = 0; k < tasks; k++) {
        long task = b.id();
        b.add(
            attrs(
                span(tr, task, root, "step.task"),
                "traceloop.span.kind",
                "task",
                "traceloop.association.properties.session_id",
                key),
            task,
            1);
        int calls = 1 + r.nextInt(3);
        for (int c = 0; c < calls; c++) {
          long id = b.id();
          b.add(
              attrs(
                  span(tr, id, task, "openai.chat"),
                  "llm.request.type",
                  "chat",
                  "gen_ai.request.model",
                  "m1",
                  "gen_ai.usage.prompt_tokens",
                  100L + id % 50,
                  "traceloop.association.properties.session_id",
                  key),
              id,
              2);
          if (r.nextBoolean()) {
            long tool = b.id();
            b.add(
                attrs(
                    span(tr, tool, task, "read_file.tool"),
                    "traceloop.span.kind",
                    "tool",
                    "traceloop.association.properties.session_id",
                    key),
                tool,
                2);
          }
        }
      }
    }
  }
}
