package hermes.collector.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import hermes.collector.metrics.OtlpMetricsBridge;
import hermes.collector.proto.MalformedOtlpException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the metrics bridge's decoding costs per export, at the volume an agent sends: one {@code
 * ExportMetricsServiceRequest} of {@link #SERIES} series (the hermes plugin's instruments over
 * models, operations, token types and tools; cumulative histograms of 16 buckets and counters), as
 * an SDK exports every 10-60 s. Two ways: the generated {@code
 * ExportMetricsServiceRequest.parseFrom} (touching every point as the bridge does), and the whole
 * bridge ({@link OtlpMetricsBridge#accept}: parse, check, series lookup, apply), which parses with
 * it since issue 16 retired the hand-written streaming reader. Scores are microseconds per request.
 * {@link #main} also measures a hostile request at {@code otlp.max_request_bytes}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MetricsDecodeBenchmark {
  /** Series in one export, about what one hermes agent's plugin reports. */
  static final int SERIES = 100;

  byte[] request;
  OtlpMetricsBridge bridge;

  @Setup
  public void setup() {
    request = request(SERIES).toByteArray();
    bridge = new OtlpMetricsBridge("hermes", Long.MAX_VALUE / 2, 10_000, System::nanoTime);
  }

  /** An export of about {@code series} series, built with the generated classes. */
  static ExportMetricsServiceRequest request(int series) {
    String[] models = {"deepseek-v3-0324", "claude-sonnet-4", "gpt-4.1", "qwen3-coder"};
    String[] ops = {"chat", "embeddings"};
    String[] tokens = {"input", "output"};
    String[] tools = {"terminal", "read_file", "write_file", "web_search", "browser", "patch"};
    ScopeMetrics.Builder scope =
        ScopeMetrics.newBuilder()
            .setScope(
                InstrumentationScope.newBuilder()
                    .setName("hermes-plugin-otel-tracing")
                    .setVersion("0.1.1"));
    long now = 1_764_000_000_000_000_000L;
    int n = 0;
    Metric.Builder opDuration = histogram("gen_ai.client.operation.duration", "s");
    Metric.Builder tokenUsage = histogram("gen_ai.client.token.usage", "{token}");
    for (String m : models) {
      for (String op : ops) {
        opDuration
            .getHistogramBuilder()
            .addDataPoints(
                point(now, n++, kv("gen_ai.request.model", m), kv("gen_ai.operation.name", op)));
        for (String t : tokens) {
          tokenUsage
              .getHistogramBuilder()
              .addDataPoints(
                  point(
                      now,
                      n++,
                      kv("gen_ai.request.model", m),
                      kv("gen_ai.operation.name", op),
                      kv("gen_ai.token.type", t)));
        }
      }
    }
    Metric.Builder toolDuration = histogram("hermes.tool.duration", "s");
    for (String t : tools) {
      toolDuration.getHistogramBuilder().addDataPoints(point(now, n++, kv("tool", t)));
    }
    scope.addMetrics(opDuration).addMetrics(tokenUsage).addMetrics(toolDuration);
    // Counters fill up to the series count: turns by platform and model.
    Sum.Builder turns =
        Sum.newBuilder()
            .setIsMonotonic(true)
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    for (int i = 0; n < series; i++, n++) {
      turns.addDataPoints(
          NumberDataPoint.newBuilder()
              .setStartTimeUnixNano(now - 60_000_000_000L)
              .setTimeUnixNano(now)
              .setAsInt(1000 + i)
              .addAttributes(kv("platform", "p" + (i % 8)))
              .addAttributes(kv("gen_ai.request.model", models[i % models.length] + "-" + i)));
    }
    scope.addMetrics(
        Metric.newBuilder().setName("hermes.session.turn_count").setUnit("{turn}").setSum(turns));
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", "hermes-agent"))
                        .addAttributes(kv("service.version", "0.19.0"))
                        .addAttributes(kv("host.name", "agent-7f9c"))
                        .addAttributes(kv("telemetry.sdk.language", "python")))
                .addScopeMetrics(scope))
        .build();
  }

  private static Metric.Builder histogram(String name, String unit) {
    return Metric.newBuilder()
        .setName(name)
        .setUnit(unit)
        .setHistogram(
            Histogram.newBuilder()
                .setAggregationTemporality(
                    AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE));
  }

  private static HistogramDataPoint point(long now, int seed, KeyValue... attributes) {
    HistogramDataPoint.Builder p =
        HistogramDataPoint.newBuilder()
            .setStartTimeUnixNano(now - 60_000_000_000L)
            .setTimeUnixNano(now)
            .setCount(100 + seed)
            .setSum(12.5 * seed);
    for (KeyValue kv : attributes) {
      p.addAttributes(kv);
    }
    double bound = 0.005;
    for (int i = 0; i < 15; i++, bound *= 2) {
      p.addExplicitBounds(bound);
      p.addBucketCounts(i + seed % 7);
    }
    p.addBucketCounts(1);
    return p.build();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /**
   * The two ways measured in this thread's CPU time rather than wall time (JMH's scores swing with
   * the load of a shared machine), then a hostile request at {@code otlp.max_request_bytes}: {@code
   * java -Xmx4g -cp bench/target/benchmarks.jar hermes.collector.bench.MetricsDecodeBenchmark}.
   */
  public static void main(String[] args) throws Exception {
    MetricsDecodeBenchmark b = new MetricsDecodeBenchmark();
    b.setup();
    Blackhole bh =
        new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is"
                + " dangerous.");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int n = 2000;
    System.out.println(SERIES + " series, " + b.request.length + " bytes per export");
    for (int round = 0; round < 10; round++) {
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) {
        b.parseFrom(bh);
      }
      long c1 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) {
        bh.consume(b.bridgeAccept());
      }
      long c2 = mx.getCurrentThreadCpuTime();
      if (round >= 4) { // the first rounds are warm-up
        System.out.printf(
            "CPU per export: parseFrom %.1f us, bridgeAccept %.1f us%n",
            (c1 - c0) / (n * 1e3), (c2 - c1) / (n * 1e3));
      }
    }
    hostile(20 << 20, mx);
  }

  /**
   * The worst request for the generated parser's heap within {@code maxBytes} (the default {@code
   * otlp.max_request_bytes}): one gauge of empty data points (2 bytes each on the wire, one {@code
   * NumberDataPoint} each once parsed, one update step each in the bridge; all land in one series).
   * Prints the CPU and the bytes allocated by {@code parseFrom} alone and by the whole {@link
   * OtlpMetricsBridge#accept}.
   */
  static void hostile(int maxBytes, ThreadMXBean mx) throws Exception {
    int points = maxBytes / 2 - 64; // 2 bytes a point, under the tags and lengths around them
    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 0; i < points; i++) {
      g.addDataPoints(NumberDataPoint.getDefaultInstance());
    }
    byte[] bomb =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder()
                            .addMetrics(Metric.newBuilder().setName("bomb").setGauge(g))))
            .build()
            .toByteArray();
    g.clear();
    com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) mx;
    long self = Thread.currentThread().getId();
    System.out.println("hostile: " + points + " empty gauge points, " + bomb.length + " bytes");
    for (int round = 0; round < 3; round++) {
      long a0 = alloc.getThreadAllocatedBytes(self);
      long c0 = mx.getCurrentThreadCpuTime();
      int parsed = ExportMetricsServiceRequest.parseFrom(bomb).getSerializedSize();
      long c1 = mx.getCurrentThreadCpuTime();
      long a1 = alloc.getThreadAllocatedBytes(self);
      OtlpMetricsBridge bridge =
          new OtlpMetricsBridge("hermes", Long.MAX_VALUE / 2, 10_000, System::nanoTime);
      long a2 = alloc.getThreadAllocatedBytes(self);
      long c2 = mx.getCurrentThreadCpuTime();
      OtlpMetricsBridge.Result r = bridge.accept(bomb);
      long c3 = mx.getCurrentThreadCpuTime();
      long a3 = alloc.getThreadAllocatedBytes(self);
      System.out.printf(
          "hostile: parseFrom %.0f ms CPU, %d MiB allocated (%d bytes); bridgeAccept %.0f ms CPU,"
              + " %d MiB allocated (%d rejected)%n",
          (c1 - c0) / 1e6, (a1 - a0) >> 20, parsed, (c3 - c2) / 1e6, (a3 - a2) >> 20, r.rejected());
    }
  }

  @Benchmark
  public int parseFrom(Blackhole bh) throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest r = ExportMetricsServiceRequest.parseFrom(request);
    int points = 0;
    for (ResourceMetrics rm : r.getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
            bh.consume(p.getCount() + p.getTimeUnixNano());
            for (KeyValue kv : p.getAttributesList()) {
              bh.consume(kv.getKey());
              bh.consume(kv.getValue().getStringValue());
            }
            for (int i = 0; i < p.getBucketCountsCount(); i++) {
              bh.consume(p.getBucketCounts(i));
            }
            points++;
          }
          for (NumberDataPoint p : m.getSum().getDataPointsList()) {
            bh.consume(p.getAsInt() + p.getTimeUnixNano());
            for (KeyValue kv : p.getAttributesList()) {
              bh.consume(kv.getKey());
              bh.consume(kv.getValue().getStringValue());
            }
            points++;
          }
        }
      }
    }
    return points;
  }

  @Benchmark
  public OtlpMetricsBridge.Result bridgeAccept() throws MalformedOtlpException {
    return bridge.accept(request);
  }
}
