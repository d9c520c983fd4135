package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigLoader;
import hermes.collector.ingest.Protocol;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.metrics.ForwarderMetrics;
import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter waits for a signal, not by polling: idle, its thread parks with no deadline
 * (WAITING, not TIMED_WAITING), and a request handed to it meanwhile wakes it and reaches a real
 * gRPC backend; then it parks again. Both with the in-memory queue and with the disk spool.
 */
class SignalledWaitTest {
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  private Server backend;

  @BeforeEach
  void backend() throws Exception {
    backend =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServerServiceDefinition.builder(OtlpGrpcMethods.TRACE_EXPORT.getServiceName())
                    .addMethod(
                        OtlpGrpcMethods.TRACE_EXPORT,
                        ServerCalls.asyncUnaryCall(
                            (byte[] req, io.grpc.stub.StreamObserver<byte[]> resp) -> {
                              received.add(req);
                              resp.onNext(new byte[0]);
                              resp.onCompleted();
                            }))
                    .build())
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void idleInMemoryExporterParksUntilSignalled() throws Exception {
    idleExporterParksUntilSignalled(Map.of());
  }

  @Test
  void idleSpoolExporterParksUntilSignalled(@TempDir Path dir) throws Exception {
    idleExporterParksUntilSignalled(Map.of("forward.spool.dir", dir.toString()));
  }

  private void idleExporterParksUntilSignalled(Map<String, String> more) throws Exception {
    Map<String, String> flags = new HashMap<>(more);
    flags.put("forward.endpoint", "http://127.0.0.1:" + backend.getPort());
    flags.put("forward.linger", "0ms");
    CollectorConfig.Forward config = ConfigLoader.load(null, Map.of(), flags).forward();
    ForwarderMetrics metrics = new ForwarderMetrics();
    TraceForwarder forwarder = new TraceForwarder(config, metrics);
    Thread exporter = forwarder.exporterThread();
    try {
      forwarder.start();
      // Idle: parked without a deadline. A polling loop would be TIMED_WAITING (or RUNNABLE).
      await(() -> exporter.getState() == Thread.State.WAITING);
      assertThat(forwarder.idleWakeups()).isLessThanOrEqualTo(1);

      byte[] request = request();
      TraceConsumer.Reservation r =
          forwarder.reserve(new TraceConsumer.RequestShape(Protocol.HTTP, request.length));
      assertThat(r.refusal()).isNull();
      assertThat(r.commit(request, 1, TraceConsumer.Next.NONE).get(30, TimeUnit.SECONDS))
          .isEqualTo(TraceConsumer.Outcome.ACCEPTED);
      byte[] sent = received.poll(30, TimeUnit.SECONDS);
      assertThat(sent).as("the request reached the backend").isEqualTo(request);

      // Delivered, it waits without a deadline again; the signal woke it about once.
      await(() -> exporter.getState() == Thread.State.WAITING && forwarded(metrics) == 1);
      assertThat(forwarder.idleWakeups()).isBetween(1L, 3L);
    } finally {
      forwarder.shutdown(Duration.ofSeconds(10));
    }
    assertThat(exporter.isAlive()).as("shutdown woke and ended the parked exporter").isFalse();
  }

  private static double forwarded(ForwarderMetrics metrics) {
    return metrics.collect().stream()
        .filter(f -> f.name.startsWith("hermes_collector_forwarded_spans"))
        .flatMap(f -> f.samples.stream())
        .mapToDouble(s -> s.value)
        .sum();
  }

  private static byte[] request() {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(
                            Span.newBuilder()
                                .setTraceId(ByteString.copyFrom(new byte[16]))
                                .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                                .setName("llm.call"))))
        .build()
        .toByteArray();
  }

  /** Waits for {@code c}: a condition, not a guessed delay. */
  private static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(c.getAsBoolean()).as("condition within 30 s").isTrue();
  }
}
