package hermes.collector.bench;

import hermes.collector.ingest.Encoding;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * {@link PipelineBenchmark}'s and {@link AssembleBenchmark}'s work measured in CPU time of the
 * benchmark thread instead of wall-clock throughput: on a shared machine other processes' load
 * stretches wall-clock scores, much less the thread's own CPU time per span. Prints, per corpus,
 * the decode + normalize and the assembly + recording CPU nanoseconds per span (the best and the
 * median of the rounds after a warm-up).
 *
 * <p>{@code java -Xms2g -Xmx2g -cp bench/target/benchmarks.jar hermes.collector.bench.AssembleCpu
 * [hermes|mixed] [rounds] [seconds per round]}
 */
public final class AssembleCpu {
  private AssembleCpu() {}

  /** Runs it; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    String corpus = args.length > 0 ? args[0] : "hermes";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] ingest = new double[rounds];
    double[] assemble = new double[rounds];
    try (PipelineFixture p =
        new PipelineFixture(PipelineFixture.corpus(corpus, PipelineBenchmark.CORPUS_SPANS))) {
      for (int w = -4; w < rounds; w++) { // 4 warm-up rounds
        long spans = 0;
        long in = 0;
        long as = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
          byte[] request = p.nextRequest();
          long c0 = mx.getCurrentThreadCpuTime();
          p.ingest(request, Encoding.PROTOBUF);
          long c1 = mx.getCurrentThreadCpuTime();
          p.assemble();
          long c2 = mx.getCurrentThreadCpuTime();
          in += c1 - c0;
          as += c2 - c1;
          spans += PipelineFixture.BATCH;
        }
        if (w >= 0) {
          ingest[w] = in / (double) spans;
          assemble[w] = as / (double) spans;
        }
      }
    }
    Arrays.sort(ingest);
    Arrays.sort(assemble);
    System.out.printf(
        "%s: CPU ns per span: decode+normalize best %.0f median %.0f; assemble+record best %.0f"
            + " median %.0f%n",
        corpus, ingest[0], ingest[rounds / 2], assemble[0], assemble[rounds / 2]);
  }
}
