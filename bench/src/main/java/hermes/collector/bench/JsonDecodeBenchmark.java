package hermes.collector.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.OtlpJsonTranscoder;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * OTLP/JSON ingest per span: the collector's path for {@code application/json} bodies, which
 * transcodes to protobuf once (Jackson's streaming parser; the bytes are what gets forwarded) and
 * then reads them with the streaming reader, as {@link TraceDecodeBenchmark#streamingReader} does.
 * Same corpus as {@link TraceDecodeBenchmark}, written as an SDK's JSON exporter writes it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JsonDecodeBenchmark {
  List<byte[]> bodies;
  final OtlpJsonTranscoder transcoder = OtlpJsonTranscoder.traces(ReaderLimits.DEFAULT);
  final TraceRequestReader reader = new TraceRequestReader(ReaderLimits.DEFAULT);

  @Setup
  public void setup() throws InvalidProtocolBufferException {
    bodies = new ArrayList<>();
    for (byte[] r : HermesCorpus.requests(1, TraceDecodeBenchmark.SPANS, 512)) {
      bodies.add(
          OtlpJson.of(ExportTraceServiceRequest.parseFrom(r)).getBytes(StandardCharsets.UTF_8));
    }
  }

  @Benchmark
  @OperationsPerInvocation(TraceDecodeBenchmark.SPANS)
  public void transcodeAndRead(Blackhole bh) throws MalformedOtlpException {
    TraceVisitor v = TraceDecodeBenchmark.touchingEverySpan(bh);
    for (byte[] json : bodies) {
      bh.consume(reader.read(transcoder.toProtobuf(json), v));
    }
  }
}
