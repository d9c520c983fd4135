package hermes.collector.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Enumeration;
import java.util.Set;

/**
 * {@code GET /api/overview}: the explorer's "Now" strip, read from the metrics the collector
 * already keeps (the same counters Prometheus scrapes), as cumulative totals plus the time they
 * were read. Rates (spans/s, tokens/min, cost per hour, error rates) are the page's deltas between
 * two reads, so the server keeps no extra state and two open pages do not disturb each other.
 *
 * <p>Threading: stateless; {@link #write} runs on an admin I/O thread and only reads the registry's
 * lock-free collectors.
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

  private final CollectorRegistry registry;
  private final String jaegerUrl;

  /**
   * @param jaegerUrl {@code ui.jaeger_url}, or empty for no trace links
   */
  Overview(CollectorRegistry registry, String jaegerUrl) {
    this.registry = registry;
    this.jaegerUrl = jaegerUrl;
  }

  void write(JsonGenerator g) throws IOException {
    double active = 0;
    double spans = 0;
    double tokens = 0;
    double cost = 0;
    double llmCalls = 0;
    double llmErrors = 0;
    double toolCalls = 0;
    double toolErrors = 0;
    Enumeration<MetricFamilySamples> families = registry.filteredMetricFamilySamples(SAMPLES);
    while (families.hasMoreElements()) {
      for (MetricFamilySamples.Sample s : families.nextElement().samples) {
        switch (s.name) {
          case "hermes_active_sessions" -> active += s.value;
          case "hermes_collector_spans_received_total" -> spans += s.value;
          case "hermes_tokens_total" -> {
            // prompt and completion are all tokens; cache_* and reasoning are parts of them.
            int i = s.labelNames.indexOf("token_type");
            String type = i < 0 ? "" : s.labelValues.get(i);
            if (type.equals("prompt") || type.equals("completion")) {
              tokens += s.value;
            }
          }
          case "hermes_cost_usd_total" -> cost += s.value;
          case "hermes_llm_calls_total" -> llmCalls += s.value;
          case "hermes_llm_errors_total" -> llmErrors += s.value;
          case "hermes_tool_call_total" -> toolCalls += s.value;
          case "hermes_tool_call_errors_total" -> toolErrors += s.value;
          default -> {}
        }
      }
    }
    g.writeNumberField("time_ms", System.currentTimeMillis());
    g.writeNumberField("active_sessions", (long) active);
    g.writeNumberField("spans_received", (long) spans);
    g.writeNumberField("tokens", (long) tokens);
    g.writeNumberField("cost_usd", BigDecimal.valueOf(cost).stripTrailingZeros());
    g.writeNumberField("llm_calls", (long) llmCalls);
    g.writeNumberField("llm_errors", (long) llmErrors);
    g.writeNumberField("tool_calls", (long) toolCalls);
    g.writeNumberField("tool_errors", (long) toolErrors);
    g.writeStringField("jaeger_url", jaegerUrl);
  }
}
