package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.proto.OtlpGrpcMethods;
import hermes.collector.semconv.Spans;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that opens hundreds of export calls at once on one connection must not exhaust the
 * collector's memory: each call in flight buffers its whole request, so the calls in flight per
 * connection are bounded ({@code otlp.grpc.max_concurrent_streams}) and the client queues the rest.
 * Before that bound, this load made the gRPC transport fail with OutOfMemoryError (direct memory)
 * and every call on the connection end UNAVAILABLE.
 */
class OverloadIT {
  @Test
  void hundredsOfConcurrentCallsOnOneConnectionAllSucceed() throws Exception {
    int grpc;
    int admin;
    try (ServerSocket s = new ServerSocket(0);
        ServerSocket a = new ServerSocket(0)) {
      grpc = s.getLocalPort();
      admin = a.getLocalPort();
    }
    Path log = Files.createTempFile("collector-overload", ".log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx256m",
                "-XX:MaxDirectMemorySize=48m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--otlp-grpc-endpoint",
                "127.0.0.1:" + grpc,
                "--otlp-http-endpoint",
                "127.0.0.1:0",
                "--admin-endpoint",
                "127.0.0.1:" + admin));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("HERMES_COLLECTOR_"));
    Process p = pb.redirectOutput(log.toFile()).start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
    try {
      awaitListening(log);
      // ~256 KiB per request (one span with a large attribute), 400 at once: ~100 MiB in flight
      byte[] request =
          Spans.request(
                  "overload",
                  List.of(
                      Spans.attrs(Spans.span(1, 1, 0, "big"), "payload", "x".repeat(256 * 1024))
                          .build()))
              .toByteArray();
      int calls = 400;
      CountDownLatch done = new CountDownLatch(calls);
      Map<Status.Code, Integer> outcomes = new ConcurrentHashMap<>();
      for (int i = 0; i < calls; i++) {
        ClientCalls.asyncUnaryCall(
            channel.newCall(
                OtlpGrpcMethods.TRACE_EXPORT,
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
            request,
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {
                outcomes.merge(Status.fromThrowable(t).getCode(), 1, Integer::sum);
                done.countDown();
              }

              @Override
              public void onCompleted() {
                outcomes.merge(Status.Code.OK, 1, Integer::sum);
                done.countDown();
              }
            });
      }
      assertThat(done.await(90, TimeUnit.SECONDS)).isTrue();
      assertThat(outcomes).as("see %s", log).isEqualTo(Map.of(Status.Code.OK, calls));
      assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
      String metrics =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + admin + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics)
          .contains("hermes_collector_grpc_calls_in_flight 0.0")
          .contains(
              "hermes_collector_requests_total{protocol=\"grpc\",signal=\"traces\",code=\"OK\",} 400.0");
      assertThat(p.isAlive()).isTrue();
    } finally {
      channel.shutdownNow();
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private static void awaitListening(Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.readString(log).contains("OTLP/gRPC listening")) {
      assertThat(System.nanoTime()).as("collector started; see %s", log).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
