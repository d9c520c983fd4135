package hermes.collector;

import static hermes.collector.RawHttp.ascii;
import static hermes.collector.RawHttp.postHead;
import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.ingest.TraceConsumer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection bounds of the OTLP/HTTP and admin listeners (issue 11, item 2): a request head must
 * arrive within the header timeout, a body must make progress, idle keep-alive connections are
 * closed, at most max_connections are open per listener, each hit counted; and the admin port
 * answers while every OTLP I/O thread is busy. Timeouts are set short so that this runs fast; the
 * waits are for the server's close, not for a guessed time.
 */
class ConnectionBoundsIT {
  private final RecordingSink sink = new RecordingSink();
  private final List<Socket> sockets = new ArrayList<>();
  private Collector collector;

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (collector != null) {
      collector.close();
    }
  }

  private void start(TraceConsumer sink, String... keyValues) throws Exception {
    collector = TestCollectors.start(sink, keyValues);
  }

  private Socket http() throws IOException {
    return keep(RawHttp.connect(collector.httpAddress().getPort()));
  }

  private Socket admin() throws IOException {
    return keep(RawHttp.connect(collector.adminAddress().getPort()));
  }

  private Socket keep(Socket s) {
    sockets.add(s);
    return s;
  }

  @Test
  void aRequestHeadDrippedSlowerThanTheHeaderTimeoutIsClosed() throws Exception {
    start(sink, "otlp.http.header_timeout", "300ms", "admin.header_timeout", "300ms");
    for (Socket s : List.of(http(), admin())) {
      // One byte every 50 ms: steady progress, but the head is never complete (slowloris).
      byte[] endless = ascii("POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(1000));
      assertThat(dripUntilClosed(s, endless)).as("closed by the server").isTrue();
    }
    assertThat(timedOut("otlp_http", "header")).isEqualTo(1);
    assertThat(timedOut("admin", "header")).isEqualTo(1);
  }

  @Test
  void aBodyWithoutProgressIsClosedAndGivesBackItsReservation() throws Exception {
    start(sink, "otlp.http.body_timeout", "300ms");
    byte[] good = RefusalsIT.request(RefusalsIT.span(1)).toByteArray();

    // A body that keeps coming, slower than the timeout in total but never silent that long.
    Socket slow = http();
    OutputStream out = slow.getOutputStream();
    out.write(postHead(Integer.toString(good.length)));
    for (byte b : good) {
      out.write(b);
      out.flush();
      Thread.sleep(20); // pacing a slow client, not waiting for a result
    }
    assertThat(readHead(slow.getInputStream())).startsWith("HTTP/1.1 200");

    // A body that stops: 10 of 1000 bytes, then nothing.
    Socket stalled = http();
    stalled.getOutputStream().write(postHead("1000"));
    stalled.getOutputStream().write(new byte[10]);
    assertThat(RawHttp.closedByServer(stalled)).as("closed by the server").isTrue();
    awaitSample("hermes_collector_http_inflight_bytes", 0);
    assertThat(timedOut("otlp_http", "body")).isEqualTo(1);
    assertThat(sink.spans).hasSize(1);
  }

  @Test
  void anIdleKeepAliveConnectionIsClosed() throws Exception {
    start(sink, "otlp.http.idle_timeout", "500ms", "admin.idle_timeout", "500ms");
    byte[] good = RefusalsIT.request(RefusalsIT.span(1)).toByteArray();
    Socket s = http();
    s.getOutputStream().write(postHead(Integer.toString(good.length)));
    s.getOutputStream().write(good);
    assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
    assertThat(RawHttp.closedByServer(s)).as("closed by the server").isTrue();

    Socket a = admin();
    a.getOutputStream().write(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertThat(readHead(a.getInputStream())).startsWith("HTTP/1.1 200");
    assertThat(RawHttp.closedByServer(a)).as("closed by the server").isTrue();
    // never opened a request at all
    assertThat(RawHttp.closedByServer(admin())).as("closed by the server").isTrue();

    assertThat(timedOut("otlp_http", "idle")).isEqualTo(1);
    assertThat(timedOut("admin", "idle")).isEqualTo(2);
  }

  @Test
  void pastMaxConnectionsNewConnectionsAreClosedAtOnceAndCounted() throws Exception {
    start(sink, "otlp.http.max_connections", "3", "admin.max_connections", "3");
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(http());
    }
    awaitSample("hermes_collector_connections_open{listener=\"otlp_http\",}", 3);
    Socket refused = http();
    assertThat(RawHttp.closedByServer(refused)).as("closed by the server").isTrue();
    assertThat(sample("hermes_collector_connections_refused_total{listener=\"otlp_http\",}"))
        .isEqualTo(1);

    held.get(0).close();
    awaitSample("hermes_collector_connections_open{listener=\"otlp_http\",}", 2);
    byte[] good = RefusalsIT.request(RefusalsIT.span(1)).toByteArray();
    Socket s = http();
    s.getOutputStream().write(postHead(Integer.toString(good.length)));
    s.getOutputStream().write(good);
    assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");

    // The admin listener has its own cap: three idle connections fill it.
    List<Socket> adminHeld = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      adminHeld.add(admin());
    }
    assertThat(RawHttp.closedByServer(admin())).as("closed by the server").isTrue();
    for (Socket a : adminHeld) {
      a.close(); // slots for the scrape (which is itself refused until the server sees a close)
    }
    assertThat(sample("hermes_collector_connections_refused_total{listener=\"admin\",}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void theAdminPortAnswersWhileEveryOtlpIoThreadIsBusy() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger blocked = new AtomicInteger();
    TraceConsumer blocking =
        request -> {
          // Stands in for any request that keeps an I/O thread busy (a slow decode, a flood).
          blocked.incrementAndGet();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return TraceConsumer.DISCARD.reserve(request);
        };
    start(blocking);
    try {
      int ioThreads = 2 * Runtime.getRuntime().availableProcessors(); // Netty's default
      byte[] good = RefusalsIT.request(RefusalsIT.span(1)).toByteArray();
      for (int i = 0; i < 2 * ioThreads; i++) {
        Socket s = http();
        s.getOutputStream().write(postHead(Integer.toString(good.length)));
        s.getOutputStream().write(good);
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (blocked.get() < ioThreads) {
        assertThat(System.nanoTime()).as("every I/O thread busy").isLessThan(deadline);
        Thread.sleep(10);
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (String path : List.of("/healthz", "/metrics")) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + collector.adminAddress().getPort() + path))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
      }
    } finally {
      release.countDown();
    }
  }

  /** Writes {@code bytes} one at a time, 50 ms apart, until the server closes; false if never. */
  private static boolean dripUntilClosed(Socket s, byte[] bytes) throws IOException {
    s.setSoTimeout(50);
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    try {
      for (byte b : bytes) {
        out.write(b);
        out.flush();
        try {
          if (in.read() < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          // still open: the next byte
        }
      }
    } catch (IOException e) {
      return true; // reset or broken pipe: the server closed it
    }
    return false;
  }

  /** Reads one response head (and its Content-Length body); fails if the server closes first. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) c);
    }
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        in.readNBytes(Integer.parseInt(line.substring(15).trim()));
      }
    }
    return head.toString();
  }

  /** {@code /metrics} over a connection of its own that is closed after; null when refused. */
  private String rawScrape() throws IOException {
    try (Socket s = RawHttp.connect(collector.adminAddress().getPort())) {
      s.getOutputStream()
          .write(ascii("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      String all = RawHttp.readUntilClose(s);
      return all.startsWith("HTTP/1.1 200") ? all : null;
    } catch (AssertionError | IOException e) {
      return null;
    }
  }

  private double timedOut(String listener, String phase) throws Exception {
    return sample(
        "hermes_collector_connections_timed_out_total{listener=\""
            + listener
            + "\",phase=\""
            + phase
            + "\",}");
  }

  /**
   * One sample of {@code /metrics}, scraped over connections that are closed after each (a pooled
   * client would hold admin connections and fill a small admin.max_connections).
   */
  private double sample(String series) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    String metrics;
    while ((metrics = rawScrape()) == null) { // refused while the cap is full: try again
      assertThat(System.nanoTime()).as("scrape").isLessThan(deadline);
      Thread.sleep(10);
    }
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  private void awaitSample(String series, double value) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (sample(series) != value) {
      assertThat(System.nanoTime()).as("waiting for %s = %s", series, value).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
