package hermes.collector.server;

import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.metrics.Exposition;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Set;

/**
 * {@code GET /api/overview}: the explorer's "Now" strip, read from the metrics the collector
 * already keeps (the same counters Prometheus scrapes), as cumulative totals plus the time they
 * were read. Rates (spans/s, tokens/min, cost per hour, error rates) are the page's deltas between
 * two reads, so the server keeps no extra state and two open pages do not disturb each other.
 *
 * <p>Threading: stateless; {@link #write} runs on an admin I/O thread and only reads the {@link
 * Exposition}.
 */
final class Overview {
  private static final Set<String> SAMPLES =
      Set.of(
          "hermes_active_sessions",
          "hermes_collector_spans_received_total",
          "hermes_tokens_total",
          "hermes_cost_usd_total",
          "hermes_llm_calls_total",
          "hermes_llm_errors_total",
          "hermes_tool_call_total",
          "hermes_tool_call_errors_total");

  private final Exposition exposition;
  private final String jaegerUrl;

  /**
   * @param jaegerUrl {@code ui.jaeger_url}, or empty for no trace links
   */
  Overview(Exposition exposition, String jaegerUrl) {
    this.exposition = exposition;
    this.jaegerUrl = jaegerUrl;
  }

  void write(JsonGenerator g) throws IOException {
    // active, spans, tokens, cost, llm calls, llm errors, tool calls, tool errors
    double[] t = new double[8];
    exposition.read(
        SAMPLES,
        (name, labelNames, labelValues, value) -> {
          switch (name) {
            case "hermes_active_sessions" -> t[0] += value;
            case "hermes_collector_spans_received_total" -> t[1] += value;
            case "hermes_tokens_total" -> {
              // prompt and completion are all tokens; cache_* and reasoning are parts of them.
              int i = labelNames.indexOf("token_type");
              String type = i < 0 ? "" : labelValues.get(i);
              if (type.equals("prompt") || type.equals("completion")) {
                t[2] += value;
              }
            }
            case "hermes_cost_usd_total" -> t[3] += value;
            case "hermes_llm_calls_total" -> t[4] += value;
            case "hermes_llm_errors_total" -> t[5] += value;
            case "hermes_tool_call_total" -> t[6] += value;
            case "hermes_tool_call_errors_total" -> t[7] += value;
            default -> {}
          }
        });
    g.writeNumberField("time_ms", System.currentTimeMillis());
    g.writeNumberField("active_sessions", (long) t[0]);
    g.writeNumberField("spans_received", (long) t[1]);
    g.writeNumberField("tokens", (long) t[2]);
    g.writeNumberField("cost_usd", BigDecimal.valueOf(t[3]).stripTrailingZeros());
    g.writeNumberField("llm_calls", (long) t[4]);
    g.writeNumberField("llm_errors", (long) t[5]);
    g.writeNumberField("tool_calls", (long) t[6]);
    g.writeNumberField("tool_errors", (long) t[7]);
    g.writeStringField("jaeger_url", jaegerUrl);
  }
}
