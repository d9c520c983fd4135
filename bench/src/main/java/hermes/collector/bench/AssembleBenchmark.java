package hermes.collector.bench;

import hermes.collector.cost.PricingException;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.proto.MalformedOtlpException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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

/**
 * Assembly and recording alone: the shard's work per span (trace stage, pricing, session stage,
 * Prometheus agent metrics). Each invocation's request is decoded and normalized in an untimed
 * per-invocation setup; the timed part drains the assembler inline. Same corpus and settings as
 * {@link PipelineBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class AssembleBenchmark {
  /** The reference plugin's sessions, or every convention interleaved ({@link MixedCorpus}). */
  @Param({"hermes", "mixed"})
  public String corpus;

  PipelineFixture pipeline;

  @Setup
  public void setup() throws PricingException {
    pipeline = new PipelineFixture(PipelineFixture.corpus(corpus, PipelineBenchmark.CORPUS_SPANS));
  }

  @Setup(Level.Invocation)
  public void ingestOneRequest() throws MalformedOtlpException, PipelineFullException {
    pipeline.ingest(pipeline.nextRequest(), Encoding.PROTOBUF);
  }

  @TearDown
  public void tearDown() {
    pipeline.close();
  }

  @Benchmark
  @OperationsPerInvocation(PipelineFixture.BATCH)
  public void assembleAndRecord() {
    pipeline.assemble();
  }
}
