package hermes.collector.bench;

import hermes.collector.metrics.AgentMetrics;
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Convention;
import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.CharArrayWriter;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code GET /metrics} scrape's rendering, as the admin handler does it: the registry's agent
 * metrics (with exemplars) written as Prometheus text 0.0.4 or OpenMetrics. The registry holds
 * {@code series} time series (sample lines, as Prometheus counts them: each bucket is one), grown
 * from LLM calls over several models and tool calls over as many tool names as it takes. Scores are
 * milliseconds per scrape.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MetricsRenderBenchmark {
  private static final String[] MODELS = {
    "claude-sonnet-4-20250514", "gpt-4o-2024-08-06", "deepseek-v3-0324", "gemini-2.5-pro"
  };

  @Param({"1000", "10000"})
  public int series;

  CollectorRegistry registry;
  final CharArrayWriter out = new CharArrayWriter(1 << 20);

  @Setup
  public void setup() throws IOException {
    registry = new CollectorRegistry(true);
    AgentMetrics metrics = new AgentMetrics(1_000_000, Map.of());
    registry.register(metrics);
    long id = 1;
    for (String model : MODELS) {
      for (String finish : new String[] {"stop", "tool_calls"}) {
        metrics.callFinished(llm(id++, model, finish), 1_000_000);
      }
    }
    for (int tool = 0; sampleLines() < series; tool++) {
      for (ToolStatus status : ToolStatus.values()) {
        metrics.callFinished(tool(id++, "tool_" + tool, status), 0);
      }
    }
  }

  private int sampleLines() throws IOException {
    out.reset();
    TextFormat.write004(out, registry.metricFamilySamples());
    int n = 0;
    for (String line : out.toString().split("\n")) {
      n += line.startsWith("#") || line.isEmpty() ? 0 : 1;
    }
    return n;
  }

  @Benchmark
  public int prometheusText() throws IOException {
    out.reset();
    TextFormat.write004(out, registry.metricFamilySamples());
    return out.size();
  }

  @Benchmark
  public int openMetrics() throws IOException {
    out.reset();
    TextFormat.writeOpenMetrics100(out, registry.metricFamilySamples());
    return out.size();
  }

  private static AgentSpan llm(long id, String model, String finish) {
    return new AgentSpan(
        Role.LLM,
        Convention.HERMES,
        1,
        id,
        id,
        0,
        "s",
        0,
        2_500_000_000L,
        false,
        null,
        model,
        "anthropic",
        3000,
        400,
        1000,
        200,
        50,
        Double.NaN,
        finish,
        null,
        null,
        "cli",
        -1,
        "hermes-agent",
        null,
        false);
  }

  private static AgentSpan tool(long id, String name, ToolStatus status) {
    return new AgentSpan(
        Role.TOOL,
        Convention.HERMES,
        1,
        id,
        id,
        0,
        "s",
        0,
        40_000_000L,
        status != ToolStatus.SUCCESS,
        status == ToolStatus.SUCCESS ? null : status.label(),
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        Double.NaN,
        null,
        name,
        status,
        "cli",
        -1,
        "hermes-agent",
        null,
        false);
  }
}
