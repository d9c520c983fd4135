package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.proto.OtlpGrpcMethods;
import hermes.collector.semconv.Spans;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forwarding to a real OTLP gRPC backend (grpc-java) and to a second collector. */
class ForwardIT {
  /** A backend that records the raw bytes of every export; can fail the first calls. */
  static final class Backend implements AutoCloseable {
    final List<byte[]> batches = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile int failFirst;
    volatile Status failWith = Status.UNAVAILABLE;
    volatile int slowFirst;
    volatile long slowMillis;
    final Server server;

    Backend(int port) throws Exception {
      this(port, null);
    }

    /** A backend serving TLS with {@code credentials} (null: plaintext). */
    Backend(int port, io.grpc.ServerCredentials credentials) throws Exception {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
      server =
          (credentials == null
                  ? NettyServerBuilder.forAddress(address)
                  : NettyServerBuilder.forAddress(address, credentials))
              .addService(
                  ServerServiceDefinition.builder(OtlpGrpcMethods.TRACE_EXPORT.getServiceName())
                      .addMethod(
                          OtlpGrpcMethods.TRACE_EXPORT,
                          ServerCalls.asyncUnaryCall(
                              (byte[] req, io.grpc.stub.StreamObserver<byte[]> resp) -> {
                                int call = calls.incrementAndGet();
                                if (call <= failFirst) {
                                  resp.onError(failWith.asRuntimeException());
                                  return;
                                }
                                if (call <= slowFirst) {
                                  try {
                                    Thread.sleep(slowMillis);
                                  } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                  }
                                }
                                batches.add(req);
                                resp.onNext(new byte[0]);
                                resp.onCompleted();
                              }))
                      .build())
              .build()
              .start();
    }

    byte[] all() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      batches.forEach(out::writeBytes);
      return out.toByteArray();
    }

    Set<String> spanIds() throws Exception {
      Set<String> ids = new HashSet<>();
      for (byte[] b : batches) {
        for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(b).getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            ss.getSpansList()
                .forEach(s -> ids.add(HexFormat.of().formatHex(s.getSpanId().toByteArray())));
          }
        }
      }
      return ids;
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /**
   * A free port below the kernel's ephemeral range. Several tests start a backend on a port only
   * after the collector has been dialing it; an ephemeral port could meanwhile be the local port of
   * one of those dials (or a TCP self-connect), and the backend would fail to bind.
   */
  static int freePort() throws Exception {
    int low = 32768;
    try {
      String range =
          java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      low = Integer.parseInt(range.split("\\s+")[0]);
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: fall through with the usual range start
    }
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 200 && low > 11_000; attempt++) {
      int port = 10_000 + random.nextInt(low - 10_000);
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (java.io.IOException taken) {
        // try another
      }
    }
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void await(BooleanSupplier c, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!c.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(c.getAsBoolean()).as("condition within %d s", seconds).isTrue();
  }

  private Collector forwardingTo(int port, String... more) throws Exception {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "forward.endpoint",
                "http://127.0.0.1:" + port,
                "forward.linger",
                "20ms",
                "forward.retry_initial",
                "20ms",
                "forward.retry_max",
                "200ms"));
    kv.addAll(List.of(more));
    Collector c = TestCollectors.start(new RecordingSink(), kv.toArray(String[]::new));
    open.add(c);
    return c;
  }

  private int post(Collector c, String contentType, byte[] body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void protobufIsForwardedByteForByteAndJsonAsTheSameMessage() throws Exception {
    int port = freePort();
    Backend backend = new Backend(port);
    open.add(backend);
    Collector c = forwardingTo(port);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 1; i <= 20; i++) {
      byte[] body =
          Spans.request("hermes-agent", Spans.hermesSession(i, "f-" + i, 2, false)).toByteArray();
      assertThat(post(c, "application/x-protobuf", body)).isEqualTo(200);
      sent.writeBytes(body);
    }
    await(() -> backend.all().length == sent.size(), 10);
    assertThat(backend.all()).isEqualTo(sent.toByteArray());
    assertThat(backend.batches.size()).isLessThan(20); // batched by concatenation

    ExportTraceServiceRequest message =
        Spans.request("json-agent", Spans.hermesSession(99, "j", 1, true));
    String json = com.google.protobuf.util.JsonFormat.printer().print(message);
    // OTLP/JSON ids are hex: rewrite the printer's base64.
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"(traceId|spanId|parentSpanId)\": \"([^\"]*)\"")
            .matcher(json);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          sb,
          "\""
              + m.group(1)
              + "\": \""
              + HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(m.group(2)))
              + "\"");
    }
    m.appendTail(sb);
    int before = backend.batches.size();
    assertThat(
            post(
                c,
                "application/json",
                sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(200);
    await(() -> backend.batches.size() > before, 10);
    assertThat(ExportTraceServiceRequest.parseFrom(backend.batches.get(before))).isEqualTo(message);
    assertThat(TestCollectors.scrape(c))
        .contains("hermes_collector_forwarded_spans_total " + (20 * 9 + 5) + ".0");
  }

  @Test
  void backendDownThenUpLosesNothingThroughBackpressureAndTheSdksRetry() throws Exception {
    int port = freePort();
    Collector c = forwardingTo(port, "forward.queue_max_bytes", "4KiB", "forward.timeout", "500ms");
    SdkTracerProvider sdk =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), "hermes-agent")))
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder()
                            .setEndpoint(
                                "http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces")
                            .setRetryPolicy(
                                RetryPolicy.builder()
                                    .setMaxAttempts(5)
                                    .setInitialBackoff(Duration.ofMillis(500))
                                    .setMaxBackoff(Duration.ofSeconds(3))
                                    .setBackoffMultiplier(2)
                                    .build())
                            .build())
                    .setMaxExportBatchSize(20)
                    .setScheduleDelay(Duration.ofMillis(50))
                    .build())
            .build();
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Span s =
          sdk.get("t")
              .spanBuilder("chat gpt-4o")
              .setAttribute("gen_ai.operation.name", "chat")
              .startSpan();
      created.add(s.getSpanContext().getSpanId());
      s.end();
    }
    // The backend is down: the forward queue fills and the collector answers 503, counted as
    // forward_full (the pipeline itself has room).
    await(
        () ->
            scrapeQuietly(c)
                .contains("hermes_collector_spans_refused_total{reason=\"forward_full\",}"),
        10);
    assertThat(
            TestCollectors.sample(
                c, "hermes_collector_spans_refused_total{reason=\"pipeline_full\",}"))
        .isZero();
    Backend backend = new Backend(port);
    open.add(backend);
    assertThat(sdk.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    sdk.shutdown().join(10, TimeUnit.SECONDS);
    await(
        () -> {
          try {
            return backend.spanIds().containsAll(created);
          } catch (Exception e) {
            return false;
          }
        },
        20);
    assertThat(backend.spanIds()).isEqualTo(created);
    String metrics = TestCollectors.scrape(c);
    assertThat(metrics).contains("hermes_collector_forward_retries_total");
    assertThat(metrics)
        .doesNotContain("hermes_collector_dropped_spans_total{reason=\"shutdown\",} 1");
  }

  @Test
  void intermittentUnavailableIsRetriedAndNonRetryableErrorsAreDroppedAndCounted()
      throws Exception {
    int port = freePort();
    Backend backend = new Backend(port);
    backend.failFirst = 3;
    open.add(backend);
    Collector c = forwardingTo(port);
    byte[] body =
        Spans.request("hermes-agent", Spans.hermesSession(1, "r", 1, false)).toByteArray();
    assertThat(post(c, "application/x-protobuf", body)).isEqualTo(200);
    await(() -> backend.batches.size() == 1, 10);
    assertThat(backend.batches.get(0)).isEqualTo(body);
    String metrics = TestCollectors.scrape(c);
    assertThat(metrics)
        .contains("hermes_collector_forward_retries_total 3.0")
        .contains("hermes_collector_forward_failures_total{reason=\"grpc_unavailable\",} 3.0");

    backend.calls.set(0);
    backend.failFirst = 1;
    backend.failWith = Status.INVALID_ARGUMENT;
    byte[] refused =
        Spans.request("hermes-agent", Spans.hermesSession(2, "x", 1, false)).toByteArray();
    assertThat(post(c, "application/x-protobuf", refused)).isEqualTo(200);
    await(
        () -> {
          try {
            return TestCollectors.scrape(c)
                .contains(
                    "hermes_collector_dropped_spans_total{reason=\"fatal_grpc_invalid_argument\",} 5.0");
          } catch (Exception e) {
            return false;
          }
        },
        10);
    byte[] later =
        Spans.request("hermes-agent", Spans.hermesSession(3, "y", 1, false)).toByteArray();
    assertThat(post(c, "application/x-protobuf", later)).isEqualTo(200);
    await(() -> backend.batches.size() == 2, 10);
    assertThat(backend.batches.get(1)).isEqualTo(later);
  }

  @Test
  void aSlowBackendIsRetriedPastItsDeadlineAndBackpressureReachesTheClient() throws Exception {
    int port = freePort();
    Backend backend = new Backend(port);
    backend.slowFirst = 3;
    backend.slowMillis = 600; // far past forward.timeout: the exporter gives up and retries
    open.add(backend);
    Collector c = forwardingTo(port, "forward.timeout", "150ms", "forward.queue_max_bytes", "1KiB");
    Set<String> sent = new HashSet<>();
    int refused = 0;
    for (int i = 1; i <= 15; i++) {
      ExportTraceServiceRequest req =
          Spans.request("a", Spans.hermesSession(i, "slow-" + i, 1, false));
      req.getResourceSpans(0)
          .getScopeSpans(0)
          .getSpansList()
          .forEach(sp -> sent.add(HexFormat.of().formatHex(sp.getSpanId().toByteArray())));
      // What an SDK does with 503: wait and send the same request again.
      int status;
      while ((status = post(c, "application/x-protobuf", req.toByteArray())) == 503) {
        refused++;
        Thread.sleep(20);
      }
      assertThat(status).isEqualTo(200);
    }
    await(() -> spanIdsQuietly(backend).containsAll(sent), 20);
    // A call that timed out may still have landed: delivery is at least once, never less.
    assertThat(spanIdsQuietly(backend)).isEqualTo(sent);
    assertThat(refused).as("requests refused while the backend was slow").isPositive();
    assertThat(TestCollectors.scrape(c))
        .contains("hermes_collector_forward_failures_total{reason=\"grpc_deadline_exceeded\",}")
        .contains("hermes_collector_forwarded_spans_total " + sent.size() + ".0");
  }

  private static Set<String> spanIdsQuietly(Backend backend) {
    try {
      return backend.spanIds();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void withASpoolABackendOutageLosesNothing(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path spool) throws Exception {
    int port = freePort();
    Collector c = forwardingTo(port, "forward.spool.dir", spool.toString());
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 1; i <= 20; i++) {
      byte[] body =
          Spans.request("hermes-agent", Spans.hermesSession(i, "s-" + i, 1, false)).toByteArray();
      assertThat(post(c, "application/x-protobuf", body)).isEqualTo(200); // spooled, not refused
      sent.writeBytes(body);
    }
    Thread.sleep(500);
    assertThat(TestCollectors.scrape(c)).contains("hermes_collector_spool_bytes ");
    Backend backend = new Backend(port);
    open.add(backend);
    await(() -> backend.all().length == sent.size(), 15);
    assertThat(backend.all()).isEqualTo(sent.toByteArray()); // in order, byte for byte
  }

  @Test
  void killMinus9LosesNothingAcknowledged(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path spool) throws Exception {
    int backendPort = freePort();
    int httpPort = freePort();
    String[] args = {
      "--otlp-http-endpoint",
      "127.0.0.1:" + httpPort,
      "--otlp-grpc-endpoint",
      "127.0.0.1:0",
      "--admin-endpoint",
      "127.0.0.1:0",
      "--set",
      "forward.endpoint=http://127.0.0.1:" + backendPort,
      "--set",
      "forward.spool.dir=" + spool,
      "--set",
      "forward.retry_max=200ms"
    };
    Process first = MainIT.launch(java.util.Map.of(), args);
    Set<String> acknowledged = new HashSet<>();
    try {
      awaitListening(first);
      for (int i = 1; i <= 10; i++) {
        ExportTraceServiceRequest req =
            Spans.request("hermes-agent", Spans.hermesSession(i, "k-" + i, 1, false));
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(req.toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          for (ResourceSpans rs : req.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              ss.getSpansList()
                  .forEach(
                      sp ->
                          acknowledged.add(HexFormat.of().formatHex(sp.getSpanId().toByteArray())));
            }
          }
        }
      }
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      first.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(acknowledged).hasSize(50);
    Backend backend = new Backend(backendPort);
    open.add(backend);
    Process second = MainIT.launch(java.util.Map.of(), args);
    try {
      awaitListening(second);
      await(
          () -> {
            try {
              return backend.spanIds().containsAll(acknowledged);
            } catch (Exception e) {
              return false;
            }
          },
          20);
    } finally {
      second.destroy();
      second.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(backend.spanIds()).containsAll(acknowledged);
  }

  private static void awaitListening(Process p) throws Exception {
    java.io.BufferedReader log =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    for (String line = log.readLine(); line != null; line = log.readLine()) {
      if (line.contains("OTLP/HTTP listening")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (log.readLine() != null) {
                      // keep the pipe from filling
                    }
                  } catch (java.io.IOException ignored) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new AssertionError("the collector did not start");
  }

  @Test
  void forwardsToASecondCollectorOverHttp() throws Exception {
    RecordingSink downstream = new RecordingSink();
    Collector second = TestCollectors.start(downstream);
    open.add(second);
    Collector first =
        TestCollectors.start(
            new RecordingSink(),
            "forward.endpoint",
            "http://127.0.0.1:" + second.httpAddress().getPort() + "/v1/traces",
            "forward.protocol",
            "http/protobuf",
            "forward.linger",
            "20ms");
    open.add(first);
    for (int i = 1; i <= 5; i++) {
      assertThat(
              post(
                  first,
                  "application/x-protobuf",
                  Spans.request("a", Spans.hermesSession(i, "h" + i, 1, false)).toByteArray()))
          .isEqualTo(200);
    }
    await(() -> downstream.spans.size() == 25, 10);
    assertThat(downstream.spans).extracting(RecordingSink.Recorded::spanId).doesNotHaveDuplicates();
  }

  @Test
  void redactedAttributesNeverReachTheBackendButTheCollectorStillSeesThem() throws Exception {
    int port = freePort();
    Backend backend = new Backend(port);
    open.add(backend);
    RecordingSink local = new RecordingSink();
    Collector c =
        TestCollectors.start(
            local,
            "forward.endpoint",
            "http://127.0.0.1:" + port,
            "forward.linger",
            "20ms",
            "forward.redact_attributes",
            "hermes.tool.name,gen_ai.request.model");
    open.add(c);
    int sent = 0;
    for (int i = 1; i <= 5; i++) {
      ExportTraceServiceRequest req = Spans.request("a", Spans.hermesSession(i, "r" + i, 2, false));
      sent += req.getResourceSpans(0).getScopeSpans(0).getSpansCount();
      assertThat(post(c, "application/x-protobuf", req.toByteArray())).isEqualTo(200);
    }
    int total = sent;
    await(() -> spans(backend).size() == total, 10);
    List<io.opentelemetry.proto.trace.v1.Span> forwarded = spans(backend);
    Set<String> keys = new HashSet<>();
    forwarded.forEach(s -> s.getAttributesList().forEach(kv -> keys.add(kv.getKey())));
    assertThat(keys)
        .doesNotContain("hermes.tool.name", "gen_ai.request.model")
        .contains("hermes.session.id", "hermes.span.kind", "gen_ai.usage.input_tokens");
    assertThat(forwarded).extracting(s -> s.getName()).contains("hermes.tool.terminal");
    // The collector's own pipeline read the attributes before they were removed.
    assertThat(local.spans)
        .anySatisfy(r -> assertThat(r.attributes()).containsEntry("hermes.tool.name", "terminal"));
  }

  @Test
  void mutualTlsOverGrpcWithACaFileAndAClientCertificate(@TempDir Path dir) throws Exception {
    TestPki pki = new TestPki(dir);
    int port = freePort();
    Backend backend =
        new Backend(
            port,
            io.grpc.TlsServerCredentials.newBuilder()
                .keyManager(pki.serverCert.toFile(), pki.serverKey.toFile())
                .trustManager(pki.ca.toFile())
                .clientAuth(io.grpc.TlsServerCredentials.ClientAuth.REQUIRE)
                .build());
    open.add(backend);
    Collector c =
        TestCollectors.start(
            new RecordingSink(),
            "forward.endpoint",
            "https://127.0.0.1:" + port,
            "forward.linger",
            "20ms",
            "forward.tls.ca_file",
            pki.ca.toString(),
            "forward.tls.cert_file",
            pki.clientCert.toString(),
            "forward.tls.key_file",
            pki.clientKey.toString());
    open.add(c);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 1; i <= 3; i++) {
      byte[] body = Spans.request("a", Spans.hermesSession(i, "t" + i, 1, false)).toByteArray();
      assertThat(post(c, "application/x-protobuf", body)).isEqualTo(200);
      sent.writeBytes(body);
    }
    await(() -> backend.all().length == sent.size(), 10);
    assertThat(backend.all()).isEqualTo(sent.toByteArray());
  }

  @Test
  void tlsOverHttpTrustsTheCaFileAndNothingElse(@TempDir Path dir) throws Exception {
    TestPki pki = new TestPki(dir);
    javax.net.ssl.SSLContext serverTls =
        ((io.netty.handler.ssl.JdkSslContext)
                io.netty.handler.ssl.SslContextBuilder.forServer(
                        pki.serverCert.toFile(), pki.serverKey.toFile())
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                    .build())
            .context();
    com.sun.net.httpserver.HttpsServer https =
        com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(serverTls));
    List<byte[]> received = new CopyOnWriteArrayList<>();
    https.createContext(
        "/v1/traces",
        exchange -> {
          received.add(exchange.getRequestBody().readAllBytes());
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    https.start();
    open.add(() -> https.stop(0));
    String url = "https://127.0.0.1:" + https.getAddress().getPort();
    Collector trusting =
        TestCollectors.start(
            new RecordingSink(),
            "forward.endpoint",
            url,
            "forward.protocol",
            "http/protobuf",
            "forward.compression",
            "none",
            "forward.linger",
            "20ms",
            "forward.tls.ca_file",
            pki.ca.toString());
    open.add(trusting);
    byte[] body = Spans.request("a", Spans.hermesSession(1, "h", 1, false)).toByteArray();
    assertThat(post(trusting, "application/x-protobuf", body)).isEqualTo(200);
    await(() -> received.size() == 1, 10);
    assertThat(received.get(0)).isEqualTo(body);

    // Without the CA file the system trust store does not know the test CA: nothing is sent,
    // and the failed attempts are visible.
    Collector untrusting =
        TestCollectors.start(
            new RecordingSink(),
            "forward.endpoint",
            url,
            "forward.protocol",
            "http/protobuf",
            "forward.linger",
            "20ms",
            "forward.retry_initial",
            "20ms",
            "forward.retry_max",
            "50ms");
    open.add(untrusting);
    assertThat(post(untrusting, "application/x-protobuf", body)).isEqualTo(200);
    await(
        () ->
            scrapeQuietly(untrusting)
                .contains("hermes_collector_forward_failures_total{reason=\"tls\",}"),
        10);
    Thread.sleep(300);
    assertThat(received).hasSize(1);
  }

  private static String scrapeQuietly(Collector c) {
    try {
      return TestCollectors.scrape(c);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<io.opentelemetry.proto.trace.v1.Span> spans(Backend backend) {
    List<io.opentelemetry.proto.trace.v1.Span> out = new ArrayList<>();
    for (byte[] b : backend.batches) {
      try {
        for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(b).getResourceSpansList()) {
          rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList()));
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError("the backend received an invalid request", e);
      }
    }
    return out;
  }
}
