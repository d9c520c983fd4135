package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS, bearer authentication, mutual TLS and CORS seen by real OpenTelemetry SDK exporters (OkHttp
 * for OTLP/HTTP, grpc-java for OTLP/gRPC) doing real handshakes against a collector on loopback.
 * The certificates are made by {@link TestPki} for each run.
 */
class SecurityIT {
  @TempDir static Path pkiDir;
  static TestPki pki;

  @TempDir Path dir;
  private final RecordingSink sink = new RecordingSink();
  private Collector collector;

  @BeforeAll
  static void makePki() throws Exception {
    pki = new TestPki(pkiDir);
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  private Path tokens(String content) throws Exception {
    Path f = dir.resolve("tokens");
    Path tmp = dir.resolve("tokens.tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return f;
  }

  private Collector startTlsAuth(String... extra) throws Exception {
    Path tokenFile = tokens("# agents\ngood-token team-a\n\nsecond-token\n");
    String[] base = {
      "otlp.tls.cert_file", pki.serverCert.toString(),
      "otlp.tls.key_file", pki.serverKey.toString(),
      "otlp.auth.bearer_token_file", tokenFile.toString()
    };
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return TestCollectors.start(sink, all);
  }

  private String httpUrl() {
    return "https://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces";
  }

  private String grpcUrl() {
    return "https://127.0.0.1:" + collector.grpcAddress().getPort();
  }

  private static byte[] read(Path p) throws Exception {
    return Files.readAllBytes(p);
  }

  private SpanExporter http(String token, boolean clientCert) throws Exception {
    var b =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(httpUrl())
            .setTrustedCertificates(read(pki.ca))
            .setRetryPolicy(null)
            .setTimeout(Duration.ofSeconds(10));
    if (token != null) {
      b.addHeader("Authorization", "Bearer " + token);
    }
    if (clientCert) {
      b.setClientTls(read(pki.clientKey), read(pki.clientCert));
    }
    return b.build();
  }

  private SpanExporter grpc(String token, boolean clientCert) throws Exception {
    var b =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint(grpcUrl())
            .setTrustedCertificates(read(pki.ca))
            .setRetryPolicy(null)
            .setTimeout(Duration.ofSeconds(10));
    if (token != null) {
      b.addHeader("Authorization", "Bearer " + token);
    }
    if (clientCert) {
      b.setClientTls(read(pki.clientKey), read(pki.clientCert));
    }
    return b.build();
  }

  /** Exports one span with {@code exporter}; whether the collector accepted it. */
  private static boolean export(SpanExporter exporter, String name) {
    List<SpanData> captured = new CopyOnWriteArrayList<>();
    SpanExporter capture =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            captured.addAll(spans);
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(capture)).build()) {
      Span s = provider.get("security-it").spanBuilder(name).startSpan();
      s.end();
    }
    try {
      return exporter.export(captured).join(20, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  private long spansNamed(String name) {
    return sink.spans.stream().filter(s -> s.name().equals(name)).count();
  }

  private static void waitFor(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20); // a polling step, not a guess: the condition decides
    }
  }

  @Test
  void otlpHttpOverTlsWithTheTokenIsAcceptedWithoutOrWrongIsRefused() throws Exception {
    collector = startTlsAuth();
    assertThat(export(http("good-token", false), "http-ok")).isTrue();
    assertThat(export(http("second-token", false), "http-ok-2")).isTrue();
    assertThat(export(http(null, false), "http-none")).isFalse();
    assertThat(export(http("guess", false), "http-wrong")).isFalse();
    assertThat(spansNamed("http-ok")).isEqualTo(1);
    assertThat(spansNamed("http-ok-2")).isEqualTo(1);
    assertThat(spansNamed("http-none") + spansNamed("http-wrong")).isZero();
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"http\",signal=\"traces\",code=\"401\",}"))
        .isEqualTo(2.0);
  }

  @Test
  void otlpGrpcOverTlsWithTheTokenIsAcceptedWithoutOrWrongIsRefused() throws Exception {
    collector = startTlsAuth();
    assertThat(export(grpc("good-token", false), "grpc-ok")).isTrue();
    assertThat(export(grpc(null, false), "grpc-none")).isFalse();
    assertThat(export(grpc("guess", false), "grpc-wrong")).isFalse();
    assertThat(spansNamed("grpc-ok")).isEqualTo(1);
    assertThat(spansNamed("grpc-none") + spansNamed("grpc-wrong")).isZero();
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"grpc\",signal=\"traces\",code=\"UNAUTHENTICATED\",}"))
        .isEqualTo(2.0);
  }

  @Test
  void mutualTlsRefusesAClientWithoutACertificateInTheHandshake() throws Exception {
    collector = startTlsAuth("otlp.tls.client_ca_file", pki.ca.toString());
    assertThat(export(http("good-token", true), "mtls-http-ok")).isTrue();
    assertThat(export(grpc("good-token", true), "mtls-grpc-ok")).isTrue();
    assertThat(export(http("good-token", false), "mtls-http-nocert")).isFalse();
    assertThat(export(grpc("good-token", false), "mtls-grpc-nocert")).isFalse();
    assertThat(spansNamed("mtls-http-ok")).isEqualTo(1);
    assertThat(spansNamed("mtls-grpc-ok")).isEqualTo(1);
    assertThat(spansNamed("mtls-http-nocert") + spansNamed("mtls-grpc-nocert")).isZero();
    waitFor(
        () -> handshakeFailures("otlp_http") >= 1 && handshakeFailures("otlp_grpc") >= 1,
        "handshake failures counted on both receivers");
    assertThat(
            sample(
                "hermes_collector_tls_handshake_failures_total{listener=\"otlp_http\","
                    + "reason=\"no_client_certificate\",}"))
        .isEqualTo(1.0);
  }

  @Test
  void plaintextToATlsPortIsCountedAsNotTls() throws Exception {
    collector = startTlsAuth();
    try (Socket s = new Socket("127.0.0.1", collector.httpAddress().getPort())) {
      s.getOutputStream()
          .write("POST /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      s.getInputStream().readAllBytes(); // the collector closes the connection
    }
    waitFor(
        () ->
            sample(
                    "hermes_collector_tls_handshake_failures_total{listener=\"otlp_http\",reason=\"not_tls\",}")
                == 1,
        "a not_tls handshake failure");
    assertThat(sink.spans).isEmpty();
  }

  @Test
  void aTokenFileChangedWhileRunningTakesEffect() throws Exception {
    collector = startTlsAuth();
    assertThat(export(http("good-token", false), "before")).isTrue();
    tokens("rotated-token\n");
    waitFor(() -> exportQuietly(httpUnchecked("rotated-token")), "the new token to be accepted");
    assertThat(export(http("good-token", false), "old-after")).isFalse();
    assertThat(export(grpc("good-token", false), "old-after-grpc")).isFalse();
    assertThat(export(grpc("rotated-token", false), "new-grpc")).isTrue();
    assertThat(spansNamed("old-after") + spansNamed("old-after-grpc")).isZero();
    assertThat(
            sample(
                "hermes_collector_credential_reloads_total{listener=\"otlp\",result=\"success\",}"))
        .isEqualTo(1.0);
  }

  private boolean exportQuietly(SpanExporter e) {
    return export(e, "probe");
  }

  private SpanExporter httpUnchecked(String token) {
    try {
      return http(token, false);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void adminOverTlsAndCorsPreflight() throws Exception {
    collector =
        TestCollectors.start(
            sink,
            "admin.tls.cert_file",
            pki.serverCert.toString(),
            "admin.tls.key_file",
            pki.serverKey.toString(),
            "otlp.http.cors.allowed_origins",
            "https://*.example.com,http://localhost:3000");
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(pki.ca)).build();
    HttpResponse<String> metrics =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "https://localhost:" + collector.adminAddress().getPort() + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("hermes_collector_tls_handshake_failures_total");

    HttpClient plain = HttpClient.newHttpClient();
    String otlp = "http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces";
    HttpResponse<String> preflight =
        plain.send(
            HttpRequest.newBuilder(URI.create(otlp))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type, x-unknown")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin"))
        .hasValue("https://app.example.com");
    assertThat(preflight.headers().firstValue("access-control-allow-methods")).hasValue("POST");
    assertThat(preflight.headers().firstValue("access-control-allow-headers"))
        .hasValue("content-type");
    HttpResponse<String> foreign =
        plain.send(
            HttpRequest.newBuilder(URI.create(otlp))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.test")
                .header("Access-Control-Request-Method", "POST")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(foreign.headers().firstValue("access-control-allow-origin")).isEmpty();
    HttpResponse<String> post =
        plain.send(
            HttpRequest.newBuilder(URI.create(otlp))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json")
                .header("Origin", "http://localhost:3000")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.headers().firstValue("access-control-allow-origin"))
        .hasValue("http://localhost:3000");
  }

  @Test
  void adminApiRefusesAForeignHostAndAFormStyleReload() throws Exception {
    collector = TestCollectors.startFull("admin.allowed_hosts", "collector.internal");
    int port = collector.adminAddress().getPort();
    assertThat(raw(port, "GET /api/sessions HTTP/1.1\r\nHost: localhost:" + port + "\r\n"))
        .startsWith("HTTP/1.1 200");
    assertThat(raw(port, "GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"))
        .startsWith("HTTP/1.1 200");
    assertThat(raw(port, "GET /api/sessions HTTP/1.1\r\nHost: collector.internal\r\n"))
        .startsWith("HTTP/1.1 200");
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser sends it as Host.
    String rebound = raw(port, "GET /api/sessions HTTP/1.1\r\nHost: evil.example:" + port + "\r\n");
    assertThat(rebound).startsWith("HTTP/1.1 403").contains("admin.allowed_hosts");
    // /metrics answers any Host (Prometheus scrapes by pod IP or service name).
    assertThat(raw(port, "GET /metrics HTTP/1.1\r\nHost: evil.example\r\n"))
        .startsWith("HTTP/1.1 200");
    // A cross-site HTML form can POST text/plain to loopback: refused.
    String form =
        raw(
            port,
            "POST /-/reload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                + "Origin: https://evil.example\r\nContent-Length: 2\r\n\r\nx=");
    assertThat(form).startsWith("HTTP/1.1 403").contains("X-Hermes-Reload");
    String viaHeader =
        raw(port, "POST /-/reload HTTP/1.1\r\nHost: localhost\r\nX-Hermes-Reload: 1\r\n");
    assertThat(viaHeader).startsWith("HTTP/1.1 200").contains("\"status\":\"success\"");
    String viaJson =
        raw(
            port,
            "POST /-/reload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
    assertThat(viaJson).startsWith("HTTP/1.1 200");
  }

  @Test
  void aServerCertificateReplacedWhileRunningIsServedToNewConnections() throws Exception {
    Path certs = dir.resolve("live");
    Files.createDirectories(certs);
    Path cert = certs.resolve("tls.crt");
    Path key = certs.resolve("tls.key");
    Files.copy(pki.serverCert, cert);
    Files.copy(pki.serverKey, key);
    collector =
        TestCollectors.start(
            sink, "otlp.tls.cert_file", cert.toString(), "otlp.tls.key_file", key.toString());
    assertThat(export(http(null, false), "first-ca")).isTrue();
    // cert-manager renews with another CA: the new files replace the old ones in place.
    Path otherDir = dir.resolve("other-ca");
    Files.createDirectories(otherDir);
    TestPki other = new TestPki(otherDir);
    Files.copy(other.serverKey, certs.resolve("tls.key.new"));
    Files.copy(other.serverCert, certs.resolve("tls.crt.new"));
    Files.move(certs.resolve("tls.key.new"), key, StandardCopyOption.REPLACE_EXISTING);
    Files.move(certs.resolve("tls.crt.new"), cert, StandardCopyOption.REPLACE_EXISTING);
    waitFor(
        () -> {
          try {
            return export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint(httpUrl())
                    .setTrustedCertificates(read(other.ca))
                    .setRetryPolicy(null)
                    .build(),
                "second-ca");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        },
        "the renewed certificate to be served");
    assertThat(export(http(null, false), "first-ca-after")).isFalse();
    assertThat(spansNamed("first-ca-after")).isZero();
  }

  @Test
  void curlAndOpensslAsForeignClients() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/curl")), "no curl on this machine");
    // A PKCS#1 key, as older tools write it.
    Path pkcs1 = dir.resolve("server-pkcs1.key");
    run(
        "openssl",
        "rsa",
        "-in",
        pki.serverKey.toString(),
        "-traditional",
        "-out",
        pkcs1.toString());
    assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
    Path tokenFile = tokens("good-token\n");
    collector =
        TestCollectors.start(
            sink,
            "otlp.tls.cert_file",
            pki.serverCert.toString(),
            "otlp.tls.key_file",
            pkcs1.toString(),
            "otlp.auth.bearer_token_file",
            tokenFile.toString());
    String url = httpUrl();
    String body = "{\"resourceSpans\":[]}";
    String ok =
        run(
            "curl",
            "-sS",
            "-i",
            "--cacert",
            pki.ca.toString(),
            "-H",
            "Authorization: Bearer good-token",
            "-H",
            "Content-Type: application/json",
            "--data",
            body,
            url);
    assertThat(ok).startsWith("HTTP/1.1 200");
    String refused =
        run(
            "curl",
            "-sS",
            "-i",
            "--cacert",
            pki.ca.toString(),
            "-H",
            "Content-Type: application/json",
            "--data",
            body,
            url);
    assertThat(refused)
        .startsWith("HTTP/1.1 401")
        .containsIgnoringCase("www-authenticate: Bearer")
        .contains("\"code\":16");
    // TLS 1.1 is refused by the server (the client is told to allow it).
    String old =
        run(
            "openssl",
            "s_client",
            "-connect",
            "127.0.0.1:" + collector.httpAddress().getPort(),
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
            "-brief");
    assertThat(old).doesNotContain("Protocol version: TLSv1.1");
    waitFor(
        () -> handshakeFailures("otlp_http") >= 1, "the TLS 1.1 handshake failure to be counted");
    assertThat(
            sample(
                "hermes_collector_tls_handshake_failures_total{listener=\"otlp_http\","
                    + "reason=\"protocol_version\",}"))
        .isEqualTo(1.0);
  }

  /** Runs a command with no input; its output and error, whatever its exit status. */
  private String run(String... cmd) throws Exception {
    Path out = dir.resolve("cmd.out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
    return Files.readString(out);
  }

  @Test
  void aRefusedClientWaitingFor100ContinueIsAnsweredAndDisconnected() throws Exception {
    Path tokenFile = tokens("good-token\n");
    collector = TestCollectors.start(sink, "otlp.auth.bearer_token_file", tokenFile.toString());
    try (Socket s = new Socket("127.0.0.1", collector.httpAddress().getPort())) {
      s.setSoTimeout(15_000); // a kept-alive connection would block the read below: the failure
      s.getOutputStream()
          .write(
              ("POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      + "Content-Length: 20\r\nExpect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
    }
  }

  /** One request on a raw socket (Host and Origin as a browser would send them); the answer. */
  private static String raw(int port, String head) throws Exception {
    String req = head.contains("\r\n\r\n") ? head : head + "Content-Length: 0\r\n\r\n";
    req = req.replaceFirst("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n");
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(req.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private double handshakeFailures(String listener) {
    double sum = 0;
    try {
      for (String line : TestCollectors.scrape(collector).split("\n")) {
        if (line.startsWith(
            "hermes_collector_tls_handshake_failures_total{listener=\"" + listener + "\"")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return sum;
  }

  private double sample(String series) {
    try {
      return TestCollectors.sample(collector, series);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static SSLContext trusting(Path ca) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
