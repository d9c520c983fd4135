package hermes.collector;

import static hermes.collector.RawHttp.ascii;
import static hermes.collector.RawHttp.postHead;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken OTLP/HTTP clients (issue 11, items 1 and 9): a declared length over the limit
 * or not a number, malformed HTTP, gzip with trailing garbage, an oversized chunked body and a
 * refused request all get a status and a close, never silence, a reset or a reservation that blocks
 * everyone else.
 */
class HttpHardeningIT {
  private static final int LIMIT = 64 * 1024;
  private static final String MALFORMED =
      "hermes_collector_http_malformed_requests_total{listener=\"otlp_http\",}";
  private final RecordingSink sink = new RecordingSink();
  private Collector collector;
  private int port;

  @BeforeEach
  void start() throws Exception {
    collector =
        TestCollectors.start(
            sink,
            "otlp.max_request_bytes",
            Integer.toString(LIMIT),
            "otlp.http.max_inflight_bytes",
            "100000");
    port = collector.httpAddress().getPort();
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  @Test
  void aDeclaredLengthOverTheLimitIs413AndACloseAndReservesNothing() throws Exception {
    for (String length : List.of("100000000", "9223372036854775807", "65537")) {
      try (Socket s = RawHttp.connect(port)) {
        s.getOutputStream().write(postHead(length)); // and no body: the client waits
        String response = RawHttp.readUntilClose(s);
        assertThat(response)
            .as("Content-Length: %s", length)
            .startsWith("HTTP/1.1 413")
            .containsIgnoringCase("connection: close");
        // while this connection is still open on the client side, others are served
        assertThat(TestCollectors.sample(collector, "hermes_collector_http_inflight_bytes"))
            .isZero();
        assertGoodRequestIs200();
      }
    }
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"http\",signal=\"traces\",code=\"413\",}"))
        .isEqualTo(3);
  }

  @Test
  void aLengthThatIsNotOneNumberIs400AndAClose() throws Exception {
    List<String> lengths =
        List.of(
            "abc",
            "1e3",
            "12345678901234567890",
            "-1",
            "+5",
            "5, 6",
            "5\r\nContent-Length: 6",
            "0x10");
    for (String length : lengths) {
      try (Socket s = RawHttp.connect(port)) {
        s.getOutputStream().write(postHead(length));
        s.getOutputStream().write(ascii("hello"));
        assertThat(RawHttp.readUntilClose(s))
            .as("Content-Length: %s", length)
            .startsWith("HTTP/1.1 400")
            .contains("malformed HTTP request");
      }
    }
    assertThat(TestCollectors.sample(collector, MALFORMED)).isEqualTo(lengths.size());
    assertGoodRequestIs200();
    assertThat(sink.spans).hasSize(1);
  }

  @Test
  void malformedHttpIs400CountedAndClosed() throws Exception {
    List<String> requests =
        List.of(
            "GARBAGE\r\n\r\n",
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(20_000) + "\r\n\r\n",
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    for (String request : requests) {
      try (Socket s = RawHttp.connect(port)) {
        s.getOutputStream().write(ascii(request));
        assertThat(RawHttp.readUntilClose(s))
            .as(request.length() > 80 ? request.substring(0, 80) : request)
            .startsWith("HTTP/1.1 400");
      }
    }
    assertThat(TestCollectors.sample(collector, MALFORMED)).isEqualTo(requests.size());
    assertGoodRequestIs200();
  }

  @Test
  void gzipWithTrailingGarbageIs400AndBadGzipIsADecodeError() throws Exception {
    byte[] good = RefusalsIT.request(RefusalsIT.span(5)).toByteArray();
    ByteArrayOutputStream twoMembers = new ByteArrayOutputStream();
    twoMembers.write(gzip(good));
    twoMembers.write(gzip(new byte[0])); // several members in a row are valid gzip
    assertThat(postGzip(twoMembers.toByteArray()).statusCode()).isEqualTo(200);

    ByteArrayOutputStream trailing = new ByteArrayOutputStream();
    trailing.write(gzip(good));
    trailing.write(ascii("garbage after the gzip member"));
    HttpResponse<byte[]> r = postGzip(trailing.toByteArray());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(com.google.rpc.Status.parseFrom(r.body()).getMessage())
        .startsWith("Malformed: invalid gzip body: trailing bytes after gzip data");

    byte[] truncated = gzip(good);
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    assertThat(postGzip(truncated).statusCode()).isEqualTo(400);
    assertThat(postGzip(ascii("not gzip")).statusCode()).isEqualTo(400);

    assertThat(sink.spans).hasSize(1);
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_decode_errors_total{protocol=\"http\",signal=\"traces\",encoding=\"protobuf\",}"))
        .isEqualTo(3);
  }

  @Test
  void anOversizedChunkedBodyIs413ThenAClose() throws Exception {
    try (Socket s = RawHttp.connect(port)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ascii(
              "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n"));
      // 1 MiB in 8 KiB chunks, sixteen times the limit, sent while the server answers
      byte[] chunk = new byte[8192];
      byte[] size = ascii(Integer.toHexString(chunk.length) + "\r\n");
      for (int i = 0; i < 128; i++) {
        out.write(size);
        out.write(chunk);
        out.write(ascii("\r\n"));
      }
      out.write(ascii("0\r\n\r\n"));
      out.flush();
      s.shutdownOutput();
      assertThat(RawHttp.readUntilClose(s))
          .startsWith("HTTP/1.1 413")
          .containsIgnoringCase("connection: close");
    }
    assertThat(TestCollectors.sample(collector, "hermes_collector_http_inflight_bytes")).isZero();
    assertGoodRequestIs200();
  }

  @Test
  void theInFlight503IsAStatusThenACloseNotAReset() throws Exception {
    try (Socket holder = RawHttp.connect(port)) {
      holder.getOutputStream().write(postHead("60000")); // fits, is reserved, never sent
      awaitSample("hermes_collector_http_inflight_bytes", 60000);
      for (int i = 0; i < 5; i++) {
        try (Socket s = RawHttp.connect(port)) {
          OutputStream out = s.getOutputStream();
          byte[] body = new byte[50_000]; // under the request limit, over what is left in flight
          out.write(postHead(Integer.toString(body.length)));
          out.write(body);
          out.flush();
          assertThat(RawHttp.readUntilClose(s))
              .startsWith("HTTP/1.1 503")
              .containsIgnoringCase("retry-after:");
        }
      }
    }
    awaitSample("hermes_collector_http_inflight_bytes", 0);
    assertGoodRequestIs200();
  }

  @Test
  void aClientResetInTheMiddleOfABodyIsCountedAndGivesBackItsBytes() throws Exception {
    Socket s = RawHttp.connect(port);
    s.getOutputStream().write(postHead("3000"));
    s.getOutputStream().write(new byte[100]);
    awaitSample("hermes_collector_http_inflight_bytes", 3000);
    s.setSoLinger(true, 0); // close with a reset
    s.close();
    awaitSample("hermes_collector_http_inflight_bytes", 0);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (TestCollectors.sample(
            collector,
            "hermes_collector_connection_errors_total{listener=\"otlp_http\",kind=\"io\",}")
        < 1) {
      assertThat(System.nanoTime()).as("the reset counted").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertGoodRequestIs200();
  }

  private void awaitSample(String series, double value) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (TestCollectors.sample(collector, series) != value) {
      assertThat(System.nanoTime()).as("waiting for %s = %s", series, value).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private void assertGoodRequestIs200() throws Exception {
    HttpResponse<byte[]> r =
        post(RefusalsIT.request(RefusalsIT.span(sink.spans.size() + 1)).toByteArray(), null);
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private HttpResponse<byte[]> postGzip(byte[] body) throws Exception {
    return post(body, "gzip");
  }

  private HttpResponse<byte[]> post(byte[] body, String encoding) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }
}
