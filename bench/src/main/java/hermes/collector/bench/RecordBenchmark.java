package hermes.collector.bench;

import hermes.collector.metrics.AgentMetrics;
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Convention;
import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The agent metrics' recording alone: {@link AgentMetrics#callFinished} for finished LLM and tool
 * calls (3 models, varied durations and token counts, as the shards see them), into one shared
 * {@link AgentMetrics}. Run with {@code -t 2} to see two shard threads recording the same series.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class RecordBenchmark {
  static final int CALLS = 256;

  /** The metrics every thread records into. */
  @State(Scope.Benchmark)
  public static class Metrics {
    final AgentMetrics metrics = new AgentMetrics(1000, Map.of());
  }

  /** A thread's calls: LLM calls, one tool call in four. */
  @State(Scope.Thread)
  public static class Calls {
    final AgentSpan[] calls = new AgentSpan[CALLS];

    @Setup
    public void setup() {
      SplittableRandom r = new SplittableRandom(7);
      String[] models = {"gpt-4o", "claude-sonnet-4", "gpt-4o-mini"};
      String[] finish = {"tool_calls", "stop", "tool_calls"};
      String[] tools = {"terminal", "read_file", "web_search"};
      for (int i = 0; i < CALLS; i++) {
        long start = 1_000_000_000L * i;
        long dur = (long) (Math.exp(r.nextDouble(Math.log(2e6), Math.log(60e9))));
        long trace = r.nextLong() | 1;
        calls[i] =
            i % 4 == 3
                ? new AgentSpan(
                    Role.TOOL,
                    Convention.HERMES,
                    trace,
                    trace,
                    i + 1,
                    1,
                    null,
                    start,
                    start + dur / 10,
                    false,
                    null,
                    null,
                    null,
                    0,
                    0,
                    0,
                    0,
                    0,
                    Double.NaN,
                    null,
                    tools[i % 3],
                    ToolStatus.SUCCESS,
                    null,
                    -1,
                    "svc",
                    null,
                    false)
                : new AgentSpan(
                    Role.LLM,
                    Convention.HERMES,
                    trace,
                    trace,
                    i + 1,
                    1,
                    null,
                    start,
                    start + dur,
                    false,
                    null,
                    models[i % 3],
                    "openai",
                    r.nextLong(100, 60_000),
                    r.nextLong(1, 4_000),
                    r.nextLong(0, 30_000),
                    0,
                    r.nextLong(0, 500),
                    Double.NaN,
                    finish[i % 3],
                    null,
                    null,
                    null,
                    -1,
                    "svc",
                    null,
                    false);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public void callFinished(Metrics m, Calls c) {
    AgentMetrics metrics = m.metrics;
    AgentSpan[] calls = c.calls;
    for (int i = 0; i < calls.length; i++) {
      metrics.callFinished(calls[i], i % 5 == 0 ? -1 : 1_234_567L * i);
    }
  }
}
