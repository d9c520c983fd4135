package hermes.collector.bench;

import hermes.collector.cost.PricingException;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.proto.MalformedOtlpException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The whole in-process pipeline per request, on one thread: decode, normalize, assemble (trace and
 * session stages, pricing), record the Prometheus agent metrics. One operation is one span; each
 * invocation is one request of 512 spans of the reference-plugin corpus (or the mixed one), endless
 * (re-keyed per pass), with the default settle delay (5 s) and idle timeout, so the live state is
 * what a collector holds at this rate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class PipelineBenchmark {
  static final int CORPUS_SPANS = 64 * PipelineFixture.BATCH;

  /** The reference plugin's sessions, or every convention interleaved ({@link MixedCorpus}). */
  @Param({"hermes", "mixed"})
  public String corpus;

  PipelineFixture pipeline;

  @Setup
  public void setup() throws PricingException {
    pipeline = new PipelineFixture(PipelineFixture.corpus(corpus, CORPUS_SPANS));
  }

  @TearDown
  public void tearDown() {
    pipeline.close();
  }

  @Benchmark
  @OperationsPerInvocation(PipelineFixture.BATCH)
  public void wholePipeline(Blackhole bh) throws MalformedOtlpException, PipelineFullException {
    bh.consume(pipeline.ingest(pipeline.nextRequest(), Encoding.PROTOBUF));
    pipeline.assemble();
  }
}
