package hermes.collector.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The decode benchmarks' work measured in CPU time of the benchmark thread per span rather than in
 * wall-clock throughput: on this shared 2-core machine other engineers' builds take the cores away,
 * which JMH's scores count and the thread's own CPU time mostly does not. Runs the bodies of {@code
 * TraceDecodeBenchmark.skipOnlyScan}, {@code TraceDecodeBenchmark.streamingReader} and {@code
 * NormalizeBenchmark.decodeAndNormalize} (both corpora) round-robin, one invocation (8,192 spans)
 * each per round, and prints each one's median and quartiles in ns per span. To compare two builds,
 * put this class first on the classpath of each: {@code java -cp classes:before.jar
 * hermes.collector.bench.CpuPerSpan}.
 */
public final class CpuPerSpan {
  private CpuPerSpan() {}

  interface Body {
    void run(Blackhole bh) throws Exception;
  }

  private static long gcMillis() {
    long sum = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += gc.getCollectionTime();
    }
    return sum;
  }

  public static void main(String[] args) throws Exception {
    int warmup = Integer.getInteger("warmup", 150);
    int rounds = Integer.getInteger("rounds", 60);
    Blackhole bh =
        new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is"
                + " dangerous.");
    TraceDecodeBenchmark decode = new TraceDecodeBenchmark();
    decode.setup();
    NormalizeBenchmark hermes = new NormalizeBenchmark();
    hermes.corpus = "hermes";
    hermes.setup();
    NormalizeBenchmark mixed = new NormalizeBenchmark();
    mixed.corpus = "mixed";
    mixed.setup();
    Map<String, Body> bodies = new LinkedHashMap<>();
    bodies.put("skipOnlyScan", decode::skipOnlyScan);
    bodies.put("streamingReader", decode::streamingReader);
    bodies.put("normalize-hermes", hermes::decodeAndNormalize);
    bodies.put("normalize-mixed", mixed::decodeAndNormalize);
    PipelineBenchmark pipeline = null;
    if (List.of(args).contains("pipeline-hermes")) { // holds 5 s of spans: only when asked for
      pipeline = new PipelineBenchmark();
      pipeline.corpus = "hermes";
      pipeline.setup();
      PipelineBenchmark p = pipeline;
      bodies.put(
          "pipeline-hermes",
          sink -> {
            for (int i = 0; i < TraceDecodeBenchmark.SPANS / PipelineFixture.BATCH; i++) {
              p.wholePipeline(sink);
            }
          });
    }
    if (args.length > 0) { // one body per JVM, as JMH forks: no profile shared between bodies
      List<String> keep = new ArrayList<>(List.of(args));
      keep.add("skipOnlyScan"); // the anchor, run in the same rounds (it shares no code with them)
      bodies.keySet().retainAll(keep);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    Map<String, List<Double>> perSpan = new LinkedHashMap<>();
    long gcMillis = 0;
    for (int r = 0; r < warmup + rounds; r++) {
      if (r == warmup) {
        gcMillis = gcMillis();
      }
      for (Map.Entry<String, Body> e : bodies.entrySet()) {
        long t0 = threads.getCurrentThreadCpuTime();
        e.getValue().run(bh);
        long cpu = threads.getCurrentThreadCpuTime() - t0;
        if (r >= warmup) {
          perSpan
              .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add((double) cpu / TraceDecodeBenchmark.SPANS);
        }
      }
    }
    System.out.printf(
        "%-28s %8s %8s %8s  (CPU ns per span, %d rounds)%n", "", "p25", "median", "p75", rounds);
    List<Double> anchor = perSpan.get("skipOnlyScan");
    for (Map.Entry<String, List<Double>> e : perSpan.entrySet()) {
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      // Per round, the anchor's CPU per span over this body's: its share of the skip-only scan's
      // speed, each round's pair measured under the same load.
      double[] share = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        share[i] = anchor.get(i) / v[i];
      }
      Arrays.sort(v);
      Arrays.sort(share);
      System.out.printf(
          "%-28s %8.1f %8.1f %8.1f   %5.1f%% of skip-only%n",
          e.getKey(),
          v[v.length / 4],
          v[v.length / 2],
          v[v.length * 3 / 4],
          100 * share[share.length / 2]);
    }
    if (pipeline != null) {
      System.out.printf("GC %d ms in the measured rounds%n", gcMillis() - gcMillis);
      pipeline.tearDown();
    }
  }
}
