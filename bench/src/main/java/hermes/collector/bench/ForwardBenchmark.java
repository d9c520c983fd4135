package hermes.collector.bench;

import hermes.collector.config.ConfigException;
import hermes.collector.config.ConfigLoader;
import hermes.collector.forward.ForwarderInstrumentation;
import hermes.collector.forward.TraceForwarder;
import hermes.collector.ingest.Protocol;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forwarding, sustained: requests handed to the {@link TraceForwarder} as ingest hands them
 * (reserve, then accept), batched by concatenation on its exporter thread and sent over OTLP/gRPC
 * to a real grpc-java backend on loopback that only counts the bytes. The benchmark thread waits
 * whenever the queue bound pushes back, so the score is what forwarding sustains, batching, gzip
 * (with {@code compression=gzip}, the default) and the backend's side included. One operation is
 * one span (512-span requests of the reference-plugin corpus).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class ForwardBenchmark {
  @Param({"gzip", "none"})
  public String compression;

  List<byte[]> requests;
  Server backend;
  TraceForwarder forwarder;
  final LongAdder receivedBytes = new LongAdder();
  int next;

  @Setup
  public void setup() throws IOException, ConfigException {
    requests = HermesCorpus.requests(1, 64 * PipelineFixture.BATCH, PipelineFixture.BATCH);
    backend =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .maxInboundMessageSize(8 << 20)
            .addService(
                ServerServiceDefinition.builder(
                        "opentelemetry.proto.collector.trace.v1.TraceService")
                    .addMethod(
                        OtlpGrpcMethods.TRACE_EXPORT,
                        ServerCalls.asyncUnaryCall(
                            (request, response) -> {
                              receivedBytes.add(request.length);
                              response.onNext(new byte[0]);
                              response.onCompleted();
                            }))
                    .build())
            .build()
            .start();
    forwarder =
        new TraceForwarder(
            ConfigLoader.load(
                    null,
                    Map.of(),
                    Map.of(
                        "forward.endpoint",
                        "http://127.0.0.1:" + backend.getPort(),
                        "forward.compression",
                        compression))
                .forward(),
            ForwarderInstrumentation.NOOP);
    forwarder.start();
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    forwarder.shutdown(Duration.ofSeconds(10));
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (receivedBytes.sum() == 0) {
      throw new IllegalStateException("the backend received nothing");
    }
  }

  @Benchmark
  @OperationsPerInvocation(PipelineFixture.BATCH)
  public void forwardOneRequest() {
    byte[] r = requests.get(next);
    next = (next + 1) % requests.size();
    TraceConsumer.Reservation room;
    while ((room = forwarder.reserve(new TraceConsumer.RequestShape(Protocol.GRPC, r.length)))
            .refusal()
        != null) {
      Thread.onSpinWait(); // the queue is full: ingest would answer 503 here; we wait instead
    }
    room.commit(r, PipelineFixture.BATCH, TraceConsumer.Next.NONE);
  }
}
