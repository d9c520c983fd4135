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
 * The disk spool's cost per request by {@code forward.spool.sync}: requests handed to a spooling
 * {@link TraceForwarder} as ingest hands them (reserve, then accept: the append, and with {@code
 * always} the fsync, on the calling thread), drained by its exporter thread to a real grpc-java
 * backend on loopback. The spool directory is a fresh one under {@code java.io.tmpdir} (a real
 * disk, not tmpfs, for the fsync to mean anything). One operation is one span (512-span requests of
 * the reference-plugin corpus).
 *
 * <p>Copied from {@link ForwardBenchmark}'s set-up; only the forwarder's settings differ.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class SpoolBenchmark {
  @Param({"none", "interval", "always"})
  public String sync;

  java.nio.file.Path dir;

  List<byte[]> requests;
  Server backend;
  TraceForwarder forwarder;
  final LongAdder receivedBytes = new LongAdder();
  int next;

  @Setup
  public void setup() throws IOException, ConfigException {
    dir = java.nio.file.Files.createTempDirectory("hermes-spool-bench");
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
                        "none",
                        "forward.spool.dir",
                        dir.toString(),
                        "forward.spool.sync",
                        sync))
                .forward(),
            ForwarderInstrumentation.NOOP);
    forwarder.start();
  }

  @TearDown
  public void tearDown() throws InterruptedException, IOException {
    forwarder.shutdown(Duration.ofSeconds(10));
    try (var files = java.nio.file.Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (receivedBytes.sum() == 0) {
      throw new IllegalStateException("the backend received nothing");
    }
  }

  @Benchmark
  @OperationsPerInvocation(PipelineFixture.BATCH)
  public void spoolOneRequest() {
    byte[] r = requests.get(next);
    next = (next + 1) % requests.size();
    TraceConsumer.Reservation room; // a spool never refuses at reserve
    room = forwarder.reserve(new TraceConsumer.RequestShape(Protocol.GRPC, r.length));
    // The write is the cost measured.
    room.commit(r, PipelineFixture.BATCH, TraceConsumer.Next.NONE).join();
  }
}
