package hermes.collector.bench;

import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decode plus normalization, per span: the I/O-thread work of ingest before spans are handed to the
 * assembler (the reference-plugin corpus of {@link TraceDecodeBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NormalizeBenchmark {
  /** The reference plugin's sessions, or every convention interleaved ({@link MixedCorpus}). */
  @Param({"hermes", "mixed"})
  public String corpus;

  List<byte[]> requests;
  final TraceRequestReader reader = new TraceRequestReader(ReaderLimits.DEFAULT);
  final Normalizer normalizer = new Normalizer(new Names(4096), Map.of(), new LongAdder());

  @Setup
  public void setup() {
    requests = PipelineFixture.corpus(corpus, TraceDecodeBenchmark.SPANS);
  }

  @Benchmark
  @OperationsPerInvocation(TraceDecodeBenchmark.SPANS)
  public void decodeAndNormalize(Blackhole bh) throws MalformedOtlpException {
    TraceVisitor v =
        new TraceVisitor() {
          @Override
          public void resource(ResourceView r) {
            normalizer.resource(r);
          }

          @Override
          public void span(SpanView s) {
            bh.consume(normalizer.normalize(s));
          }
        };
    for (byte[] r : requests) {
      bh.consume(reader.read(r, v));
    }
  }
}
