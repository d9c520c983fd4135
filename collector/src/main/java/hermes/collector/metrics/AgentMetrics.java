package hermes.collector.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Role;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.GuardTrip;
import hermes.collector.session.SessionRecord;
import hermes.collector.session.TurnRecord;
import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The agent metrics of the contract ({@code spec/metrics.md}, section A): recorded from the
 * assembler's listener calls into lock-free series, rendered by simpleclient at scrape time as
 * Prometheus text or OpenMetrics (with {@code trace_id} exemplars on the duration histograms and
 * the token and cost counters).
 *
 * <p>Threading: the listener methods run on the assembler's shard threads, concurrently, and never
 * lock; {@link #collect()} runs on a scraping thread and only reads. Series are found by their
 * label values without allocating once they exist; label values are bounded per label ({@code
 * metrics.max_label_values}; past it {@code __other__}, counted).
 */
public final class AgentMetrics extends Collector implements AssemblyListener {
  static final long NS = 1_000_000_000L;
  static final long PICO = 1_000_000_000_000L;
  static final String UNKNOWN = "unknown";

  /** Recording unit and HdrHistogram divisor of a histogram family. */
  private enum Unit {
    SECONDS(NS, 1_000), // recorded in ns, quantiles at microsecond resolution
    COUNT(1, 1),
    USD(PICO, 1_000_000); // recorded in pico-dollars, quantiles in micro-dollars

    final long scale;
    final long hdrDivisor;

    Unit(long scale, long hdrDivisor) {
      this.scale = scale;
      this.hdrDivisor = hdrDivisor;
    }
  }

  private record HistogramFamily(Family<HistogramSeries> family, double[] bounds, Unit unit) {}

  private record CounterFamily(Family<CounterSeries> family, long scale) {}

  private final List<HistogramFamily> histograms = new ArrayList<>();
  private final List<CounterFamily> counters = new ArrayList<>();
  private final List<Family<?>> all = new ArrayList<>();
  private final int cap;

  private final HistogramFamily requestDuration;
  private final HistogramFamily stepDuration;
  private final HistogramFamily toolDuration;
  private final HistogramFamily sessionSteps;
  private final HistogramFamily sessionTurns;
  private final HistogramFamily sessionDuration;
  private final HistogramFamily sessionCost;
  private final HistogramFamily turnLlmCalls;
  private final HistogramFamily turnToolCalls;
  private final HistogramFamily genAiDuration;
  private final HistogramFamily genAiTokens;
  private final CounterFamily toolCalls;
  private final CounterFamily toolErrors;
  private final CounterFamily tokens;
  private final CounterFamily cost;
  private final CounterFamily unpriced;
  private final CounterFamily llmCalls;
  private final CounterFamily llmErrors;
  private final CounterFamily sessions;
  private final CounterFamily guardTrips;
  // hermes_active_sessions, pushed by the session events: the label each live session was counted
  // under (its service when it opened), and the count per label.
  private final java.util.concurrent.ConcurrentHashMap<String, String> liveSessions =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentHashMap<
          String, java.util.concurrent.atomic.LongAdder>
      activeSessions = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The agent metrics.
   *
   * @param maxLabelValues distinct values per label before {@code __other__}
   * @param buckets bucket layouts by metric name, overriding the contract's (may be empty)
   */
  public AgentMetrics(int maxLabelValues, Map<String, double[]> buckets) {
    this.cap = maxLabelValues;
    requestDuration =
        histogram(
            "hermes_request_duration_seconds",
            "Duration of finished turns (a user message to the agent's reply).",
            List.of("status"),
            Unit.SECONDS,
            buckets,
            0.5,
            1,
            2,
            5,
            10,
            30,
            60,
            120,
            300);
    stepDuration =
        histogram(
            "hermes_step_duration_seconds",
            "Duration of LLM calls, by model and step type (tool_call, final, other).",
            List.of("model", "step_type"),
            Unit.SECONDS,
            buckets,
            0.1,
            0.5,
            1,
            2,
            5,
            10,
            30);
    toolDuration =
        histogram(
            "hermes_tool_duration_seconds",
            "Duration of tool calls.",
            List.of("tool_name"),
            Unit.SECONDS,
            buckets,
            0.01,
            0.05,
            0.1,
            0.5,
            1,
            5,
            10,
            30);
    sessionSteps =
        histogram(
            "hermes_session_steps_total",
            "LLM calls per finished session.",
            List.of(),
            Unit.COUNT,
            buckets,
            1,
            2,
            5,
            10,
            20,
            50,
            100);
    sessionTurns =
        histogram(
            "hermes_session_turns",
            "Turns per finished session.",
            List.of(),
            Unit.COUNT,
            buckets,
            1,
            2,
            3,
            5,
            8,
            13,
            21,
            34,
            55);
    sessionDuration =
        histogram(
            "hermes_session_duration_seconds",
            "Duration of finished sessions.",
            List.of(),
            Unit.SECONDS,
            buckets,
            1,
            5,
            15,
            60,
            300,
            900,
            3600,
            14400);
    sessionCost =
        histogram(
            "hermes_session_cost_usd",
            "Priced cost of finished sessions, in USD.",
            List.of(),
            Unit.USD,
            buckets,
            0.001,
            0.01,
            0.05,
            0.1,
            0.5,
            1,
            5,
            10);
    turnLlmCalls =
        histogram(
            "hermes_turn_llm_calls",
            "LLM calls per finished turn.",
            List.of(),
            Unit.COUNT,
            buckets,
            1,
            2,
            3,
            5,
            8,
            13,
            21,
            34);
    turnToolCalls =
        histogram(
            "hermes_turn_tool_calls",
            "Tool calls per finished turn.",
            List.of(),
            Unit.COUNT,
            buckets,
            0,
            1,
            2,
            3,
            5,
            8,
            13,
            21,
            34);
    double[] doubling = new double[14];
    for (int i = 0; i < doubling.length; i++) {
      doubling[i] = 0.01 * (1L << i); // 0.01 ... 81.92
    }
    genAiDuration =
        histogram(
            "gen_ai_client_operation_duration_seconds",
            "GenAI operation duration (OpenTelemetry GenAI semantic conventions).",
            List.of(
                "gen_ai_operation_name",
                "gen_ai_provider_name",
                "gen_ai_request_model",
                "error_type"),
            Unit.SECONDS,
            buckets,
            doubling);
    double[] times4 = new double[14];
    for (int i = 0; i < times4.length; i++) {
      times4[i] = 1L << (2 * i); // 1, 4, 16, ... 67108864
    }
    genAiTokens =
        histogram(
            "gen_ai_client_token_usage",
            "Tokens used per GenAI operation, by token type (input, output).",
            List.of(
                "gen_ai_operation_name",
                "gen_ai_provider_name",
                "gen_ai_request_model",
                "gen_ai_token_type"),
            Unit.COUNT,
            buckets,
            times4);
    toolCalls =
        counter(
            "hermes_tool_call",
            "Tool calls, by tool and status (success, error, timeout).",
            List.of("tool_name", "status"),
            1);
    toolErrors =
        counter(
            "hermes_tool_call_errors",
            "Failed tool calls, by tool and error type.",
            List.of("tool_name", "error_type"),
            1);
    tokens =
        counter(
            "hermes_tokens",
            "Tokens by model and type: prompt (all input), completion (all output), and their"
                + " parts cache_read, cache_write (of prompt) and reasoning (of completion).",
            List.of("model", "token_type"),
            1);
    cost =
        counter(
            "hermes_cost_usd",
            "Priced cost of LLM calls in USD (the agent's own when reported).",
            List.of("model", "provider"),
            PICO);
    unpriced =
        counter(
            "hermes_unpriced_tokens",
            "Tokens of LLM calls whose model has no price: their cost is unknown, not zero.",
            List.of("model", "provider"),
            1);
    llmCalls =
        counter(
            "hermes_llm_calls",
            "LLM calls, by model, provider and finish reason.",
            List.of("model", "provider", "finish_reason"),
            1);
    llmErrors =
        counter(
            "hermes_llm_errors",
            "Failed LLM calls, by model and error type (rate_limit, context_too_long, timeout,"
                + " api_error).",
            List.of("model", "error_type"),
            1);
    sessions =
        counter(
            "hermes_sessions",
            "Finished sessions, by service and outcome (completed, interrupted, error, abandoned).",
            List.of("service", "outcome"),
            1);
    guardTrips =
        counter(
            "hermes_session_guard_trips",
            "Runaway guards tripped on live sessions, by guard (tool_repeat, turn_llm_calls,"
                + " session_llm_calls, session_tokens, session_cost_usd, session_duration) and"
                + " service: once per session and guard, once per turn for the turn guards.",
            List.of("guard", "service"),
            1);
  }

  private HistogramFamily histogram(
      String name,
      String help,
      List<String> labels,
      Unit unit,
      Map<String, double[]> overrides,
      double... bounds) {
    double[] b = overrides.getOrDefault(name, bounds).clone();
    Arrays.sort(b);
    long[] units = new long[b.length];
    for (int i = 0; i < b.length; i++) {
      units[i] = Math.round(b[i] * unit.scale);
    }
    Family<HistogramSeries> f =
        new Family<>(name, help, labels, cap, l -> new HistogramSeries(l, units, unit.hdrDivisor));
    HistogramFamily h = new HistogramFamily(f, b, unit);
    histograms.add(h);
    all.add(f);
    return h;
  }

  private CounterFamily counter(String name, String help, List<String> labels, long scale) {
    Family<CounterSeries> f = new Family<>(name, help, labels, cap, CounterSeries::new);
    CounterFamily c = new CounterFamily(f, scale);
    counters.add(c);
    all.add(f);
    return c;
  }

  private static String or(String s) {
    return s == null || s.isEmpty() ? UNKNOWN : s;
  }

  /** The {@code step_type} of an LLM call from its finish reason. */
  static String stepType(String finishReason) {
    if (finishReason == null) {
      return "other";
    }
    switch (finishReason) {
      case "tool_calls":
      case "tool_use":
      case "function_call":
      case "tool_call":
        return "tool_call";
      case "stop":
      case "end_turn":
      case "stop_sequence":
      case "length":
      case "max_tokens":
        return "final";
      default:
        return "other";
    }
  }

  // ------------------------------------------------------------------ recording (shard threads)

  /**
   * The label set of one kind of call (role, model, provider, finish reason, error type; for tools
   * tool, status, error type): the key of a thread's {@link CallSeries} cache. A probe per thread
   * is set and looked up, so a hit allocates nothing; label values are the normalizer's interned
   * strings, so equality is mostly identity.
   */
  private static final class CallKey {
    Role role;
    String a;
    String b;
    String c;
    String d;
    int hash;

    CallKey set(Role role, String a, String b, String c, String d) {
      this.role = role;
      this.a = a;
      this.b = b;
      this.c = c;
      this.d = d;
      int h = role.hashCode();
      h = 31 * h + a.hashCode();
      h = 31 * h + b.hashCode();
      h = 31 * h + (c == null ? 0 : c.hashCode());
      h = 31 * h + (d == null ? 0 : d.hashCode());
      hash = h;
      return this;
    }

    CallKey copy() {
      return new CallKey().set(role, a, b, c, d);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CallKey k
          && k.hash == hash
          && k.role == role
          && same(k.a, a)
          && same(k.b, b)
          && same(k.c, c)
          && same(k.d, d);
    }

    private static boolean same(String x, String y) {
      return x == y || (x != null && x.equals(y));
    }
  }

  /**
   * Every series one call updates, found once per label set: an LLM call used to look up ~12 series
   * (nested map reads each), now one probe. Holds the same series objects the families render,
   * created in the same cases as before (cost and unpriced-tokens on first use, so the exposition
   * is unchanged). Immutable but for those two, which are set by one thread's cache entry and only
   * read by it.
   */
  private static final class CallSeries {
    final HistogramSeries.Writer duration; // tool duration, or the GenAI operation duration
    final CounterSeries.Writer calls; // hermes_tool_call, or hermes_llm_calls (LLM only)
    final CounterSeries.Writer errors; // tool or LLM errors; null when the call did not fail
    final HistogramSeries.Writer step; // LLM only
    final HistogramSeries.Writer inputTokens;
    final HistogramSeries.Writer outputTokens;
    final CounterSeries.Writer prompt;
    final CounterSeries.Writer completion;
    final CounterSeries.Writer cacheRead;
    final CounterSeries.Writer cacheWrite;
    final CounterSeries.Writer reasoning;
    CounterSeries.Writer cost;
    CounterSeries.Writer unpriced;

    /** A tool's. */
    CallSeries(
        HistogramSeries.Writer duration, CounterSeries.Writer calls, CounterSeries.Writer errors) {
      this(duration, calls, errors, null, null, null, null, null, null, null, null);
    }

    CallSeries(
        HistogramSeries.Writer duration,
        CounterSeries.Writer calls,
        CounterSeries.Writer errors,
        HistogramSeries.Writer step,
        HistogramSeries.Writer inputTokens,
        HistogramSeries.Writer outputTokens,
        CounterSeries.Writer prompt,
        CounterSeries.Writer completion,
        CounterSeries.Writer cacheRead,
        CounterSeries.Writer cacheWrite,
        CounterSeries.Writer reasoning) {
      this.duration = duration;
      this.calls = calls;
      this.errors = errors;
      this.step = step;
      this.inputTokens = inputTokens;
      this.outputTokens = outputTokens;
      this.prompt = prompt;
      this.completion = completion;
      this.cacheRead = cacheRead;
      this.cacheWrite = cacheWrite;
      this.reasoning = reasoning;
    }
  }

  /**
   * A recording thread's series by label set (cleared when full: label values are bounded), and its
   * writer slot: the thread's own share of every series ({@link HistogramSeries#writer}).
   */
  private static final class CallCache {
    static final int MAX = 4096;
    final java.util.HashMap<CallKey, CallSeries> series = new java.util.HashMap<>();
    final CallKey probe = new CallKey();
    final int slot;

    CallCache(int slot) {
      this.slot = slot;
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger writerSlots =
      new java.util.concurrent.atomic.AtomicInteger();
  private final ThreadLocal<CallCache> callCache =
      ThreadLocal.withInitial(() -> new CallCache(writerSlots.getAndIncrement()));

  @Override
  public void callFinished(AgentSpan s, long costPico) {
    Role role = s.role();
    if (role != Role.TOOL && role != Role.LLM && role != Role.EMBEDDING) {
      return;
    }
    long hi = s.traceIdHigh();
    long lo = s.traceIdLow();
    long ns = s.durationNanos();
    double seconds = ns / 1e9;
    long now = System.currentTimeMillis();
    CallCache cache = callCache.get();
    CallKey key =
        role == Role.TOOL
            ? cache.probe.set(
                role,
                or(s.toolName()),
                s.toolStatus() == null ? "success" : s.toolStatus().label(),
                s.errorType(),
                null)
            : cache.probe.set(
                role, or(s.model()), or(s.provider()), s.finishReason(), s.errorType());
    CallSeries series = cache.series.get(key);
    if (series == null) {
      series = resolve(key, cache.slot);
      if (cache.series.size() >= CallCache.MAX) {
        cache.series.clear();
      }
      cache.series.put(key.copy(), series);
    }
    if (role == Role.TOOL) {
      series.calls.add(1);
      if (series.errors != null) {
        series.errors.add(1);
      }
      series.duration.observe(ns, hi, lo, seconds, now);
      return;
    }
    if (series.step != null) {
      series.step.observe(ns, hi, lo, seconds, now);
      series.calls.add(1);
    }
    if (series.errors != null) {
      series.errors.add(1);
    }
    series.duration.observe(ns, hi, lo, seconds, now);
    series.inputTokens.observe(s.inputTokens(), hi, lo, s.inputTokens(), now);
    series.outputTokens.observe(s.outputTokens(), hi, lo, s.outputTokens(), now);
    series.prompt.add(s.inputTokens(), hi, lo, s.inputTokens(), now);
    series.completion.add(s.outputTokens(), hi, lo, s.outputTokens(), now);
    series.cacheRead.add(s.cacheReadTokens());
    series.cacheWrite.add(s.cacheWriteTokens());
    series.reasoning.add(s.reasoningTokens());
    if (costPico >= 0) {
      if (series.cost == null) {
        series.cost = cost.family.get(key.a, key.b).writer(cache.slot);
      }
      series.cost.add(costPico, hi, lo, costPico / (double) PICO, now);
    } else {
      if (series.unpriced == null) {
        series.unpriced = unpriced.family.get(key.a, key.b).writer(cache.slot);
      }
      series.unpriced.add(s.inputTokens() + s.outputTokens());
    }
  }

  /** The series of a label set, from the families (created there if new, label caps applied). */
  private CallSeries resolve(CallKey k, int w) {
    if (k.role == Role.TOOL) {
      String tool = k.a;
      return new CallSeries(
          toolDuration.family.get(tool).writer(w),
          toolCalls.family.get(tool, k.b).writer(w),
          k.c == null ? null : toolErrors.family.get(tool, k.c).writer(w));
    }
    String model = k.a;
    String provider = k.b;
    String operation = k.role == Role.LLM ? "chat" : "embeddings";
    boolean llm = k.role == Role.LLM;
    // Created in the order the series were first looked up before this cache existed.
    HistogramSeries step = llm ? stepDuration.family.get(model, stepType(k.c)) : null;
    CounterSeries calls = llm ? llmCalls.family.get(model, provider, or(k.c)) : null;
    CounterSeries errors = k.d == null ? null : llmErrors.family.get(model, k.d);
    HistogramSeries duration =
        genAiDuration.family.get(operation, provider, model, k.d == null ? "" : k.d);
    return new CallSeries(
        duration.writer(w),
        calls == null ? null : calls.writer(w),
        errors == null ? null : errors.writer(w),
        step == null ? null : step.writer(w),
        genAiTokens.family.get(operation, provider, model, "input").writer(w),
        genAiTokens.family.get(operation, provider, model, "output").writer(w),
        tokens.family.get(model, "prompt").writer(w),
        tokens.family.get(model, "completion").writer(w),
        tokens.family.get(model, "cache_read").writer(w),
        tokens.family.get(model, "cache_write").writer(w),
        tokens.family.get(model, "reasoning").writer(w));
  }

  @Override
  public void turnFinished(TurnRecord t) {
    int w = callCache.get().slot;
    long hi = t.traceIdHigh();
    long lo = t.traceIdLow();
    requestDuration
        .family
        .get(t.error() ? "error" : "success")
        .writer(w)
        .observe(t.durationNanos(), hi, lo, t.durationNanos() / 1e9, now(hi, lo));
    turnLlmCalls.family.get().writer(w).observe(t.totals().llmCalls(), 0, 0, 0, 0);
    turnToolCalls.family.get().writer(w).observe(t.totals().toolCalls(), 0, 0, 0, 0);
  }

  /** The clock for an exemplar of trace {@code hi, lo}; not read when there is none. */
  private static long now(long hi, long lo) {
    return hi != 0 || lo != 0 ? System.currentTimeMillis() : 0;
  }

  /** No: the metrics need opened and finished sessions only, so no update snapshot is built. */
  @Override
  public boolean wantsUpdates() {
    return false;
  }

  @Override
  public void sessionOpened(SessionRecord s) {
    String label = or(s.service());
    if (liveSessions.putIfAbsent(s.key(), label) == null) {
      activeSessions
          .computeIfAbsent(label, k -> new java.util.concurrent.atomic.LongAdder())
          .increment();
    }
  }

  @Override
  public void sessionFinished(SessionRecord s) {
    String label = liveSessions.remove(s.key());
    if (label != null) {
      activeSessions.get(label).decrement();
    }
    if (s.withdrawn()) {
      return; // shown under its trace id for a moment; its calls belong to another session
    }
    int w = callCache.get().slot;
    sessions.family.get(or(s.service()), s.outcome()).writer(w).add(1);
    sessionSteps.family.get().writer(w).observe(s.totals().llmCalls(), 0, 0, 0, 0);
    sessionTurns.family.get().writer(w).observe(s.turnCount(), 0, 0, 0, 0);
    long hi = s.rootTraceIdHigh();
    long lo = s.rootTraceIdLow();
    sessionDuration
        .family
        .get()
        .writer(w)
        .observe(s.durationNanos(), hi, lo, s.durationNanos() / 1e9, now(hi, lo));
    sessionCost.family.get().writer(w).observe(s.totals().costPico(), 0, 0, 0, 0);
  }

  @Override
  public void guardTripped(GuardTrip trip) {
    String id = trip.traceId();
    long hi = 0;
    long lo = 0;
    if (id != null && id.length() == 32) {
      hi = Long.parseUnsignedLong(id, 0, 16, 16);
      lo = Long.parseUnsignedLong(id, 16, 32, 16);
    }
    // The exemplar is the call that tripped it: a dashboard jumps from the alert to the loop.
    CounterSeries.Writer series =
        guardTrips
            .family
            .get(trip.guard().label(), or(trip.service()))
            .writer(callCache.get().slot);
    if (hi == 0 && lo == 0) {
      series.add(1);
    } else {
      series.add(1, hi, lo, 1, System.currentTimeMillis());
    }
  }

  // ------------------------------------------------------------------ exposition (scrape thread)

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    for (HistogramFamily h : histograms) {
      out.add(render(h));
    }
    for (CounterFamily c : counters) {
      out.add(render(c));
    }
    List<Sample> active = new ArrayList<>();
    for (Map.Entry<String, java.util.concurrent.atomic.LongAdder> e : activeSessions.entrySet()) {
      long n = e.getValue().sum();
      if (n > 0) {
        active.add(
            new Sample("hermes_active_sessions", List.of("service"), List.of(e.getKey()), n));
      }
    }
    out.add(
        new MetricFamilySamples(
            "hermes_active_sessions", Type.GAUGE, "Sessions seen and not yet finished.", active));
    List<Sample> overflow = new ArrayList<>();
    List<String> overflowLabels = List.of("metric", "label");
    for (Family<?> f : all) {
      for (LabelGuard g : f.guards()) {
        overflow.add(
            new Sample(
                "hermes_collector_label_overflow_total",
                overflowLabels,
                List.of(g.metric, g.label),
                g.overflows.sum()));
      }
    }
    out.add(
        new MetricFamilySamples(
            "hermes_collector_label_overflow",
            Type.COUNTER,
            "Label values turned into __other__ because the label reached metrics.max_label_values.",
            overflow));
    return out;
  }

  private static MetricFamilySamples render(HistogramFamily h) {
    Family<HistogramSeries> f = h.family();
    List<Sample> samples = new ArrayList<>();
    List<String> bucketLabels = new ArrayList<>(f.labelNames);
    bucketLabels.add("le");
    for (Map.Entry<List<String>, HistogramSeries> e : f.series()) {
      HistogramSeries s = e.getValue();
      long[] cumulative = s.cumulativeCounts();
      for (int i = 0; i < cumulative.length; i++) {
        List<String> values = new ArrayList<>(e.getKey());
        values.add(i < h.bounds().length ? Collector.doubleToGoString(h.bounds()[i]) : "+Inf");
        Exemplar x = s.exemplar(i);
        samples.add(
            new Sample(
                f.name + "_bucket",
                bucketLabels,
                values,
                cumulative[i],
                x == null ? null : x.toPrometheus(),
                null));
      }
      samples.add(
          new Sample(
              f.name + "_count", f.labelNames, e.getKey(), cumulative[cumulative.length - 1]));
      samples.add(
          new Sample(
              f.name + "_sum", f.labelNames, e.getKey(), s.sumUnits() / (double) h.unit().scale));
    }
    return new MetricFamilySamples(f.name, Type.HISTOGRAM, f.help, samples);
  }

  private static MetricFamilySamples render(CounterFamily c) {
    Family<CounterSeries> f = c.family();
    List<Sample> samples = new ArrayList<>();
    for (Map.Entry<List<String>, CounterSeries> e : f.series()) {
      CounterSeries s = e.getValue();
      Exemplar x = s.exemplar();
      samples.add(
          new Sample(
              f.name + "_total",
              f.labelNames,
              e.getKey(),
              s.units() / (double) c.scale(),
              x == null ? null : x.toPrometheus(),
              null));
    }
    return new MetricFamilySamples(f.name, Type.COUNTER, f.help, samples);
  }

  /**
   * Writes {@code {"histograms":[{"name":..,"series":[{"labels":{..},"count":..,"sum":..,
   * "p50":..,"p90":..,"p95":..,"p99":..,"max":..}]}]}} for {@code GET /api/stats}.
   */
  public void writeStats(JsonGenerator g) throws IOException {
    g.writeArrayFieldStart("histograms");
    for (HistogramFamily h : histograms) {
      Family<HistogramSeries> f = h.family();
      g.writeStartObject();
      g.writeStringField("name", f.name);
      g.writeArrayFieldStart("series");
      for (Map.Entry<List<String>, HistogramSeries> e : f.series()) {
        HistogramSeries s = e.getValue();
        g.writeStartObject();
        g.writeObjectFieldStart("labels");
        for (int i = 0; i < f.labelNames.size(); i++) {
          g.writeStringField(f.labelNames.get(i), e.getKey().get(i));
        }
        g.writeEndObject();
        long[] cumulative = s.cumulativeCounts();
        double scale = h.unit().scale;
        g.writeNumberField("count", cumulative[cumulative.length - 1]);
        g.writeNumberField("sum", s.sumUnits() / scale);
        double[] q = s.quantiles(0.5, 0.9, 0.95, 0.99);
        String[] names = {"p50", "p90", "p95", "p99", "max"};
        for (int i = 0; i < names.length; i++) {
          g.writeNumberField(names[i], q[i] / scale);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
