package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OTLP/HTTP receiver bounds the request bodies it holds at once: a request that does not fit in
 * {@code otlp.http.max_inflight_bytes} is answered 503 with Retry-After before its body is read,
 * and once the bytes in flight are released the next request is accepted.
 */
class InFlightBytesIT {
  private final RecordingSink sink = new RecordingSink();
  private Collector collector;

  @BeforeEach
  void start() throws Exception {
    collector =
        TestCollectors.start(
            sink, "otlp.http.max_inflight_bytes", "4096", "otlp.retry_after_seconds", "7");
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  @Test
  void aRequestThatDoesNotFitIsRefusedWith503UntilTheBytesAreReleased() throws Exception {
    int port = collector.httpAddress().getPort();
    byte[] good = RefusalsIT.request(RefusalsIT.span(1)).toByteArray();
    try (Socket slow = new Socket("127.0.0.1", port)) {
      // a slow client: announces 100,000 bytes and sends 10 (alone, it fits: it is taken)
      OutputStream out = slow.getOutputStream();
      out.write(head(port, 100_000));
      out.write(new byte[10]);
      out.flush();
      awaitGauge(100_000);

      String refused = exchange(port, good);
      assertThat(refused)
          .startsWith("HTTP/1.1 503")
          .containsIgnoringCase("retry-after: 7")
          .containsIgnoringCase("connection: close")
          .contains("max_inflight_bytes");
      assertThat(TestCollectors.scrape(collector))
          .contains(
              "hermes_collector_requests_total{protocol=\"http\",signal=\"traces\",code=\"503\",}"
                  + " 1.0");
    }
    awaitGauge(0); // the slow client went away: its reservation is released

    HttpResponse<byte[]> ok =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(good))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(sink.spans).hasSize(1);
    awaitGauge(0);
  }

  private static byte[] head(int port, int length) {
    return ("POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:"
            + port
            + "\r\nContent-Type: application/x-protobuf\r\nContent-Length: "
            + length
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends one whole request on a new connection and reads the response until the server closes. */
  private static String exchange(int port, byte[] body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(head(port, body.length));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      in.transferTo(response);
      return response.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private void awaitGauge(long bytes) throws Exception {
    String line = "hermes_collector_http_inflight_bytes " + (double) bytes;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!TestCollectors.scrape(collector).contains(line)) {
      assertThat(System.nanoTime()).as("waiting for %s", line).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
