package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hermes.collector.forward.DiskFull;
import hermes.collector.semconv.Spans;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk spool under faults, through the real receivers: a write that fails (a full disk,
 * injected under the spool's file channel) is refused with 503 / UNAVAILABLE so the client retries,
 * and every span the collector acknowledged reaches the backend or is counted with a reason.
 */
class SpoolFaultIT {
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Collector start(int backendPort, Path spool, String... more) throws Exception {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "forward.endpoint",
                "http://127.0.0.1:" + backendPort,
                "forward.linger",
                "20ms",
                "forward.retry_initial",
                "20ms",
                "forward.retry_max",
                "200ms",
                "forward.spool.dir",
                spool.toString()));
    kv.addAll(List.of(more));
    Collector c = TestCollectors.start(new RecordingSink(), kv.toArray(String[]::new));
    open.add(c);
    return c;
  }

  private int post(Collector c, byte[] body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static ExportTraceServiceRequest session(int i) {
    return Spans.request("agent", Spans.hermesSession(i, "s-" + i, 1, false));
  }

  private static Set<String> spanIds(ExportTraceServiceRequest r) {
    Set<String> ids = new HashSet<>();
    r.getResourceSpansList()
        .forEach(
            rs ->
                rs.getScopeSpansList()
                    .forEach(
                        ss ->
                            ss.getSpansList()
                                .forEach(
                                    s ->
                                        ids.add(
                                            HexFormat.of()
                                                .formatHex(s.getSpanId().toByteArray())))));
    return ids;
  }

  private static double sample(Collector c, String name, String reason) {
    Double v = c.registry().getSampleValue(name, new String[] {"reason"}, new String[] {reason});
    return v == null ? 0 : v;
  }

  /** One unlabelled series from {@code GET /metrics}, which must answer within 20 s. */
  private double scraped(Collector c, String name) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + c.adminAddress().getPort() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(20))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }

  private static double sample(Collector c, String name) {
    Double v = c.registry().getSampleValue(name);
    return v == null ? 0 : v;
  }

  @Test
  void aSlowDiskHoldsTheAnswerNotTheIoThreads(@TempDir Path spool) throws Exception {
    DiskFull disk = DiskFull.install(spool);
    open.add(disk);
    int nobody;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      nobody = s.getLocalPort(); // the backend is down: only the spool matters here
    }
    RecordingSink sink = new RecordingSink();
    Collector c =
        TestCollectors.start(
            sink,
            "forward.endpoint",
            "http://127.0.0.1:" + nobody,
            "forward.retry_initial",
            "1s",
            "forward.spool.dir",
            spool.toString());
    open.add(c);
    open.add(disk::resume); // first thing on the way out: a failed check must not hang close()
    String base = "http://127.0.0.1:" + c.httpAddress().getPort();
    disk.stall();

    java.util.concurrent.CompletableFuture<HttpResponse<Void>> overHttp =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(session(1).toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.discarding());
    String writer = disk.awaitStalledWriter();
    assertThat(writer).as("the thread writing the spool").isEqualTo("spool-writer");

    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", c.grpcAddress().getPort())
            .usePlaintext()
            .build();
    open.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    java.util.concurrent.CompletableFuture<Object> overGrpc =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                TraceServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .export(session(2)));

    // Other requests on other connections are answered meanwhile, by every I/O thread.
    for (int i = 0; i < 4; i++) {
      HttpResponse<Void> logs =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/v1/logs"))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                      .timeout(java.time.Duration.ofSeconds(20))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      assertThat(logs.statusCode()).isEqualTo(200);
    }
    assertThat(overHttp).as("no 200 before the write is done").isNotDone();
    assertThat(overGrpc).as("no OK before the write is done").isNotDone();
    assertThat(sink.spans).isEmpty();
    // A scrape is answered meanwhile (the spool's size is read without its lock), and the waiting
    // request's body still counts as in flight.
    assertThat(scraped(c, "hermes_collector_http_inflight_bytes"))
        .as("the waiting request's body still counts as in flight")
        .isEqualTo(session(1).toByteArray().length);

    disk.resume();
    assertThat(overHttp.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sample(c, "hermes_collector_http_inflight_bytes") != 0) { // released once written
      assertThat(System.nanoTime() - deadline).as("in-flight bytes released").isNegative();
      Thread.sleep(10);
    }
    overGrpc.get(30, TimeUnit.SECONDS);
    int expected = session(1).getResourceSpans(0).getScopeSpans(0).getSpansCount() * 2;
    assertThat(sink.spans).hasSize(expected);
  }

  @Test
  void aFailedSpoolWriteIsRefusedAndTheRetriedSpansAllArrive(@TempDir Path spool) throws Exception {
    int port = ForwardIT.freePort();
    ForwardIT.Backend backend = new ForwardIT.Backend(port);
    open.add(backend);
    DiskFull disk = DiskFull.install(spool);
    open.add(disk);
    Collector c = start(port, spool);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", c.grpcAddress().getPort())
            .usePlaintext()
            .build();
    open.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Set<String> acknowledged = new HashSet<>();
    for (int i = 1; i <= 5; i++) {
      assertThat(post(c, session(i).toByteArray())).isEqualTo(200);
      acknowledged.addAll(spanIds(session(i)));
    }

    disk.failAfter(7); // the disk fills up in the middle of the next record's header
    assertThat(post(c, session(6).toByteArray())).isEqualTo(503);
    assertThatThrownBy(() -> TraceServiceGrpc.newBlockingStub(channel).export(session(7)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(disk.failures()).isGreaterThanOrEqualTo(2);
    assertThat(sample(c, "hermes_collector_spans_refused_total", "spool_error"))
        .isEqualTo(spanIds(session(6)).size() + spanIds(session(7)).size());

    disk.clear(); // the clients retry, as the 503 / UNAVAILABLE asked them to
    assertThat(post(c, session(6).toByteArray())).isEqualTo(200);
    TraceServiceGrpc.newBlockingStub(channel).export(session(7));
    acknowledged.addAll(spanIds(session(6)));
    acknowledged.addAll(spanIds(session(7)));
    for (int i = 8; i <= 10; i++) {
      assertThat(post(c, session(i).toByteArray())).isEqualTo(200);
      acknowledged.addAll(spanIds(session(i)));
    }

    ForwardIT.await(() -> received(backend).size() >= acknowledged.size(), 15);
    assertThat(received(backend)).isEqualTo(acknowledged);
    assertThat(sample(c, "hermes_collector_spool_torn_records_total")).isZero();
    assertThat(sample(c, "hermes_collector_dropped_spans_total", "spool_error")).isZero();
  }

  /**
   * The shape of the run in issue 11 (1,750 acknowledged, 485 delivered, 265 counted, 1,000 lost
   * silently): a backend outage, a spool too small for it, disk-full faults and a restart; at the
   * end every acknowledged span was delivered or counted, and nothing else was delivered.
   */
  @Test
  void everyAcknowledgedSpanIsDeliveredOrCountedWithAReason(@TempDir Path spool) throws Exception {
    int port = ForwardIT.freePort();
    DiskFull disk = DiskFull.install(spool);
    open.add(disk);
    String[] small = {"forward.spool.max_bytes", "64KiB", "forward.spool.segment_bytes", "4KiB"};
    Collector first = start(port, spool, small); // the backend is down
    Set<String> acknowledged = new HashSet<>();
    Set<String> refused = new HashSet<>();
    int n = 0;
    for (int i = 1; i <= 350; i++) { // ~1.7 KB each: about ten times what the spool holds
      if (i % 7 == 0) {
        disk.failAfter(100 + i); // a partial record on disk, at varying offsets
      }
      int code = post(first, session(i).toByteArray());
      disk.clear();
      if (code == 200) {
        acknowledged.addAll(spanIds(session(i)));
      } else {
        assertThat(code).as("request %d", i).isEqualTo(503);
        refused.addAll(spanIds(session(i)));
      }
      n++;
    }
    assertThat(refused).hasSize(50 * 5);
    double spoolFull = sample(first, "hermes_collector_dropped_spans_total", "spool_full");
    assertThat(spoolFull).isPositive();
    first.close();

    ForwardIT.Backend backend = new ForwardIT.Backend(port);
    open.add(backend);
    Collector second = start(port, spool, small); // a restart over the same spool
    ForwardIT.await(() -> received(backend).size() + spoolFull >= acknowledged.size(), 20);
    assertThat(received(backend).size() + spoolFull).isEqualTo(acknowledged.size());
    assertThat(acknowledged).containsAll(received(backend));
    assertThat(received(backend)).doesNotContainAnyElementsOf(refused);
    assertThat(sample(first, "hermes_collector_spool_torn_records_total")).isZero();
    assertThat(sample(second, "hermes_collector_spool_torn_records_total")).isZero();
    assertThat(n).isEqualTo(350);
  }

  private static Set<String> received(ForwardIT.Backend backend) {
    Set<String> ids = new HashSet<>();
    for (byte[] b : backend.batches) {
      try {
        ids.addAll(spanIds(ExportTraceServiceRequest.parseFrom(b)));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError("the backend received an invalid request", e);
      }
    }
    return ids;
  }
}
