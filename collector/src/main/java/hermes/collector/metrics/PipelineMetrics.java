package hermes.collector.metrics;

import hermes.collector.cost.Pricing;
import hermes.collector.semconv.NameTable;
import hermes.collector.semconv.Names;
import hermes.collector.session.SessionAssembler;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent model's self metrics ({@code hermes_collector_*}): live sessions and traces, the shard
 * queue, evictions, late spans, spans counted but not kept, token corrections, name overflows and
 * price table reloads. Read at scrape time from counters the pipeline keeps anyway, so recording
 * costs nothing extra.
 *
 * <p>Threading: {@link #collect()} runs on the scraping thread and only reads.
 */
public final class PipelineMetrics extends Collector {
  private final SessionAssembler assembler;
  private final Names names;
  private final Pricing pricing;
  private final LongAdder tokenCorrections;

  /** Metrics over the given parts. */
  public PipelineMetrics(
      SessionAssembler assembler, Names names, Pricing pricing, LongAdder tokenCorrections) {
    this.assembler = assembler;
    this.names = names;
    this.pricing = pricing;
    this.tokenCorrections = tokenCorrections;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_live_sessions",
            "Sessions being assembled (seen, not yet finalized).",
            assembler.liveSessions()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_live_traces",
            "Traces whose spans are being linked into trees.",
            assembler.liveTraces()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_pending_spans",
            "Spans held waiting for their parent, turn or session (bounded by"
                + " sessions.max_pending_spans).",
            assembler.pendingSpans()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_shard_queue_spans",
            "Spans accepted and waiting for the assembler (bounded by sessions.max_queued_spans).",
            assembler.queuedSpans()));
    CounterMetricFamily evicted =
        new CounterMetricFamily(
            "hermes_collector_sessions_evicted_total",
            "Live sessions finalized early to keep sessions.max_live (capacity), and pending"
                + " traces settled early to keep sessions.max_pending_spans (pending_full).",
            List.of("reason"));
    evicted.addMetric(List.of("capacity"), assembler.evictedSessions());
    evicted.addMetric(List.of("pending_full"), assembler.pendingEvicted());
    out.add(evicted);
    CounterMetricFamily forgotten =
        new CounterMetricFamily(
            "hermes_collector_guard_state_forgotten_total",
            "Runaway-guard state forgotten to keep its bounds: running turns taken over"
                + " (guards.max_running_turns) and tool calls dropped"
                + " (guards.max_tool_calls_per_turn); a loop spread that wide may go unseen.",
            List.of("what"));
    forgotten.addMetric(List.of("running_turn"), assembler.guardTurnsForgotten());
    forgotten.addMetric(List.of("tool_call"), assembler.guardToolCallsForgotten());
    out.add(forgotten);
    out.add(
        new CounterMetricFamily(
            "hermes_collector_late_spans_total",
            "Spans that arrived after their turn or session was finalized (their calls still"
                + " count in per-call totals).",
            assembler.lateSpans()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_assembler_errors_total",
            "Messages the session assembler failed to handle (logged; the shard goes on).",
            assembler.errors()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_spans_not_kept_total",
            "Spans counted in totals but not kept in a session tree"
                + " (sessions.max_spans_per_session).",
            assembler.spansNotKept()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_token_corrections_total",
            "LLM spans whose token counts were corrected: cache tokens exceeding the input, or"
                + " reasoning exceeding the output.",
            tokenCorrections.sum()));
    CounterMetricFamily overflow =
        new CounterMetricFamily(
            "hermes_collector_names_overflow_total",
            "Names turned into __other__ because their kind reached semconv.max_names.",
            List.of("kind"));
    for (NameTable t : names.all()) {
      overflow.addMetric(List.of(t.kind()), t.overflows());
    }
    out.add(overflow);
    CounterMetricFamily truncated =
        new CounterMetricFamily(
            "hermes_collector_names_truncated_total",
            "Names cut to semconv.max_name_bytes UTF-8 bytes before interning.",
            List.of("kind"));
    for (NameTable t : names.all()) {
      truncated.addMetric(List.of(t.kind()), t.truncated());
    }
    out.add(truncated);
    CounterMetricFamily reloads =
        new CounterMetricFamily(
            "hermes_collector_price_table_reloads_total",
            "Price table reloads, by result (a failed reload keeps the previous table).",
            List.of("result"));
    reloads.addMetric(List.of("success"), pricing.reloadsOk());
    reloads.addMetric(List.of("error"), pricing.reloadsFailed());
    out.add(reloads);
    return out;
  }
}
