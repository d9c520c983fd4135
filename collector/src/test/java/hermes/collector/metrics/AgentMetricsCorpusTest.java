package hermes.collector.metrics;

import static hermes.collector.semconv.Spans.attrs;
import static hermes.collector.semconv.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.semconv.Spans;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.SessionAssembler;
import io.opentelemetry.proto.trace.v1.Span;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A generated corpus of sessions with known ground truth, through the real path (wire reader,
 * normalizer, assembler, metrics): every counter equals the truth, every histogram's count, sum and
 * buckets too. The truth is computed here from what was generated, with the prices written out by
 * hand, not by the code under test.
 */
class AgentMetricsCorpusTest {
  private static final String[] MODELS = {"gpt-4o", "deepseek-v3-0324", "my-local-model"};
  private static final String[] PROVIDERS = {"openai", "deepseek", "ollama"};
  // USD per million: uncached input, cache read, output; -1: unpriced.
  private static final double[][] PRICES = {{2.5, 1.25, 10}, {0.27, 0.07, 1.10}, {-1, -1, -1}};
  private static final String[] TOOLS = {"terminal", "web_search", "read_file"};
  private static final long[] EDGE_MS = {100, 500, 1000, 2000, 5000, 10, 50, 30_000};
  private static final double[] TOOL_BOUNDS = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
  private static final double[] STEP_BOUNDS = {0.1, 0.5, 1, 2, 5, 10, 30};
  private static final double[] REQUEST_BOUNDS = {0.5, 1, 2, 5, 10, 30, 60, 120, 300};

  private final Map<String, Double> truth = new HashMap<>();
  private long nextId = 1;

  private void add(String series, double v) {
    truth.merge(series, v, Double::sum);
  }

  private void observe(String name, String labels, double[] bounds, double value) {
    String sep = labels.isEmpty() ? "" : ",";
    for (double b : bounds) {
      add(
          name
              + "_bucket{"
              + labels
              + sep
              + "le=\""
              + io.prometheus.client.Collector.doubleToGoString(b)
              + "\",}",
          value <= b ? 1 : 0);
    }
    add(name + "_bucket{" + labels + sep + "le=\"+Inf\",}", 1);
    add(name + "_count" + (labels.isEmpty() ? "" : "{" + labels + ",}"), 1);
  }

  private long ms(Random r) {
    return r.nextInt(5) == 0 ? EDGE_MS[r.nextInt(EDGE_MS.length)] : 1 + r.nextInt(40_000);
  }

  private Span timed(Span.Builder b, long startMs, long durMs) {
    long t0 = 1_700_000_000_000_000_000L + startMs * 1_000_000L;
    return b.setStartTimeUnixNano(t0).setEndTimeUnixNano(t0 + durMs * 1_000_000L).build();
  }

  /** One hermes session; appends its spans, records its truth. */
  private void session(Random r, int n, List<Span> out) {
    long trace = 100_000 + n;
    long root = nextId++;
    String key = "corpus-" + n;
    long clock = r.nextInt(1_000_000);
    long sessionStart = clock;
    int turns = 1 + r.nextInt(5);
    long sessionPico = 0;
    int sessionSteps = 0;
    Map<String, Double> sums = new HashMap<>();
    for (int t = 0; t < turns; t++) {
      long turn = nextId++;
      long turnStart = clock;
      int calls = 1 + r.nextInt(3);
      int tools = 0;
      boolean turnError = r.nextInt(10) == 0;
      for (int c = 0; c < calls; c++) {
        int m = r.nextInt(MODELS.length);
        long in = r.nextInt(3000);
        long cr = r.nextInt(6000);
        long cw = r.nextInt(500);
        long outTok = r.nextInt(900);
        long dur = ms(r);
        String finish = c == calls - 1 ? "stop" : "tool_calls";
        out.add(
            timed(
                attrs(
                    span(trace, nextId++, turn, "chat " + MODELS[m]),
                    "hermes.span.kind",
                    "LLM",
                    "gen_ai.request.model",
                    MODELS[m],
                    "hermes.provider",
                    PROVIDERS[m],
                    "gen_ai.usage.input_tokens",
                    in,
                    "hermes.cache.read_tokens",
                    cr,
                    "hermes.cache.write_tokens",
                    cw,
                    "gen_ai.usage.output_tokens",
                    outTok,
                    "gen_ai.response.finish_reasons",
                    List.of(finish)),
                clock,
                dur));
        clock += dur;
        long prompt = in + cr + cw;
        String model = "model=\"" + MODELS[m] + "\"";
        add("hermes_tokens_total{" + model + ",token_type=\"prompt\",}", prompt);
        add("hermes_tokens_total{" + model + ",token_type=\"completion\",}", outTok);
        add("hermes_tokens_total{" + model + ",token_type=\"cache_read\",}", cr);
        add("hermes_tokens_total{" + model + ",token_type=\"cache_write\",}", cw);
        add("hermes_tokens_total{" + model + ",token_type=\"reasoning\",}", 0);
        String mp = model + ",provider=\"" + PROVIDERS[m] + "\"";
        add("hermes_llm_calls_total{" + mp + ",finish_reason=\"" + finish + "\",}", 1);
        if (PRICES[m][0] < 0) {
          add("hermes_unpriced_tokens_total{" + mp + ",}", prompt + outTok);
        } else {
          // pico-dollars: tokens x USD-per-million x 10^6, cache writes at the input price.
          long pico =
              Math.round(in * PRICES[m][0] * 1e6)
                  + Math.round(cr * PRICES[m][1] * 1e6)
                  + Math.round(cw * PRICES[m][0] * 1e6)
                  + Math.round(outTok * PRICES[m][2] * 1e6);
          sums.merge("cost " + mp, (double) pico, Double::sum);
          sessionPico += pico;
        }
        String step = model + ",step_type=\"" + (c == calls - 1 ? "final" : "tool_call") + "\"";
        observe("hermes_step_duration_seconds", step, STEP_BOUNDS, dur / 1000.0);
        sums.merge(
            "hermes_step_duration_seconds_sum{" + step + ",}", dur * 1_000_000.0, Double::sum);
        sessionSteps++;
        if (c < calls - 1) {
          int k = r.nextInt(TOOLS.length);
          long tdur = ms(r);
          int outcome = r.nextInt(6); // 0: error, 1: timeout, else success
          Span.Builder tool =
              attrs(
                  span(trace, nextId++, turn, "hermes.tool." + TOOLS[k]),
                  "hermes.span.kind",
                  "TOOL",
                  "hermes.tool.name",
                  TOOLS[k],
                  "hermes.session.id",
                  key);
          if (outcome == 0) {
            Spans.error(tool, "{\"error\": \"boom\"}");
          } else if (outcome == 1) {
            attrs(tool, "hermes.tool.outcome", "timeout");
          }
          out.add(timed(tool, clock, tdur));
          clock += tdur;
          tools++;
          String status = outcome == 0 ? "error" : outcome == 1 ? "timeout" : "success";
          add(
              "hermes_tool_call_total{tool_name=\"" + TOOLS[k] + "\",status=\"" + status + "\",}",
              1);
          if (outcome <= 1) {
            add(
                "hermes_tool_call_errors_total{tool_name=\""
                    + TOOLS[k]
                    + "\",error_type=\""
                    + status
                    + "\",}",
                1);
          }
          String tl = "tool_name=\"" + TOOLS[k] + "\"";
          observe("hermes_tool_duration_seconds", tl, TOOL_BOUNDS, tdur / 1000.0);
          sums.merge(
              "hermes_tool_duration_seconds_sum{" + tl + ",}", tdur * 1_000_000.0, Double::sum);
        }
      }
      Span.Builder turnSpan =
          attrs(
              span(trace, turn, root, "hermes.turn"),
              "hermes.span.kind",
              "CHAIN",
              "hermes.session.id",
              key,
              "hermes.turn.index",
              (long) t + 1);
      if (turnError) {
        Spans.error(turnSpan, "failed");
      }
      out.add(timed(turnSpan, turnStart, clock - turnStart));
      String st = "status=\"" + (turnError ? "error" : "success") + "\"";
      observe("hermes_request_duration_seconds", st, REQUEST_BOUNDS, (clock - turnStart) / 1000.0);
      sums.merge(
          "hermes_request_duration_seconds_sum{" + st + ",}",
          (clock - turnStart) * 1_000_000.0,
          Double::sum);
      observe("hermes_turn_llm_calls", "", new double[] {1, 2, 3, 5, 8, 13, 21, 34}, calls);
      observe("hermes_turn_tool_calls", "", new double[] {0, 1, 2, 3, 5, 8, 13, 21, 34}, tools);
      clock += 1000;
    }
    boolean interrupted = r.nextInt(5) == 0;
    out.add(
        timed(
            attrs(
                span(trace, root, 0, "hermes.session"),
                "hermes.span.kind",
                "AGENT",
                "hermes.session.id",
                key,
                "hermes.session.completed",
                !interrupted,
                "hermes.session.interrupted",
                interrupted),
            sessionStart,
            clock - sessionStart));
    add(
        "hermes_sessions_total{service=\"hermes-agent\",outcome=\""
            + (interrupted ? "interrupted" : "completed")
            + "\",}",
        1);
    observe("hermes_session_turns", "", new double[] {1, 2, 3, 5, 8, 13, 21, 34, 55}, turns);
    observe(
        "hermes_session_steps_total", "", new double[] {1, 2, 5, 10, 20, 50, 100}, sessionSteps);
    observe(
        "hermes_session_cost_usd",
        "",
        new double[] {0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10},
        sessionPico / 1e12);
    sums.merge("hermes_session_cost_usd_sum", (double) sessionPico, Double::sum);
    for (Map.Entry<String, Double> e : sums.entrySet()) {
      pico.merge(e.getKey(), e.getValue(), Double::sum);
    }
  }

  /** Sums kept in integer units (ns, pico-dollars) until the end, so the truth is exact. */
  private final Map<String, Double> pico = new HashMap<>();

  @Test
  void everyCounterAndHistogramEqualsTheGroundTruth() throws Exception {
    Names names = new Names(256);
    LongAdder corrections = new LongAdder();
    AgentMetrics metrics = new AgentMetrics(256, Map.of());
    try (SessionAssembler assembler =
        new SessionAssembler(
            new AssemblyConfig(
                2, Duration.ofSeconds(1), Duration.ofHours(1), 100_000, 10_000, 1000, 1_000_000),
            Pricing.load(null, Duration.ZERO),
            () -> new Normalizer(names, Map.of(), corrections),
            metrics)) {
      assembler.start();
      Ingest ingest = new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
      Random r = new Random(11);
      int sessions = 150;
      List<Span> all = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        session(r, i, all);
      }
      Collections.shuffle(all, r);
      for (int i = 0; i < all.size(); i += 50) {
        ingest.traces(
            Spans.request("hermes-agent", all.subList(i, Math.min(all.size(), i + 50)))
                .toByteArray(),
            Encoding.PROTOBUF,
            Protocol.HTTP);
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      try {
        while (assembler.sessions(false, 1000).size() < sessions && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      } catch (java.util.concurrent.TimeoutException e) {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces()
            .forEach(
                (t, st) -> {
                  if (t.getName().startsWith("assembler-")) {
                    dump.append(t.getName()).append(' ').append(t.getState()).append('\n');
                    for (StackTraceElement el : st) {
                      dump.append("    at ").append(el).append('\n');
                    }
                  }
                });
        throw new AssertionError("the assembler did not answer; its threads:\n" + dump, e);
      }
      assertThat(assembler.sessions(false, 1000)).hasSize(sessions);
      assertThat(assembler.lateSpans()).as("late spans would leave turns uncounted").isZero();
    }
    for (Map.Entry<String, Double> e : pico.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("cost ")) {
        truth.put("hermes_cost_usd_total{" + k.substring(5) + ",}", e.getValue() / 1e12);
      } else if (k.startsWith("hermes_session_cost_usd_sum")) {
        truth.put(k, e.getValue() / 1e12);
      } else {
        truth.put(k, e.getValue() / 1e9); // ns -> seconds
      }
    }

    CollectorRegistry registry = new CollectorRegistry(true);
    registry.register(metrics);
    StringWriter w = new StringWriter();
    TextFormat.write004(w, registry.metricFamilySamples());
    Map<String, Double> scraped = new HashMap<>();
    for (String line : w.toString().split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      scraped.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    assertThat(truth).isNotEmpty();
    for (Map.Entry<String, Double> e : truth.entrySet()) {
      assertThat(scraped.containsKey(e.getKey())).as("series %s scraped", e.getKey()).isTrue();
      assertThat(scraped.get(e.getKey()))
          .as("series %s", e.getKey())
          .isCloseTo(
              e.getValue(), org.assertj.core.data.Offset.offset(Math.abs(e.getValue()) * 1e-12));
    }
  }
}
