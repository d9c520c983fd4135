package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.config.Endpoint;
import hermes.collector.metrics.ListenerMetrics;
import hermes.collector.metrics.SecurityMetrics;
import hermes.collector.metrics.StreamMetrics;
import hermes.collector.metrics.Telemetry;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The session event stream on a real socket: SSE framing, heartbeats, the subscriber bound, and a
 * reader that stops reading being dropped and counted while a reader that keeps up stays.
 */
@Timeout(120)
class SessionStreamTest {
  private final EventLoops loops = new EventLoops(1);
  private SessionStream stream;
  private HttpListener listener;

  private void start(int maxSubscribers, long bufferBytes, Duration heartbeat) throws Exception {
    stream = new SessionStream(maxSubscribers, bufferBytes, 1024, heartbeat);
    hermes.collector.config.CollectorConfig defaults =
        hermes.collector.config.ConfigLoader.load(null, java.util.Map.of(), java.util.Map.of());
    listener =
        HttpListener.bind(
            "admin",
            Endpoint.parse("admin.endpoint", "127.0.0.1:0"),
            loops,
            new AdminInitializer(
                new AdminHandler(new Telemetry().exposition(), () -> true, null, "", stream),
                new HttpListenerLimits(
                    "admin",
                    defaults.admin().connections(),
                    new ListenerMetrics(new CollectorRegistry(true))),
                Security.load(
                    defaults.security(), "", new SecurityMetrics(new CollectorRegistry(true)))));
  }

  @AfterEach
  void stop() {
    if (stream != null) {
      stream.close();
    }
    if (listener != null) {
      listener.close();
    }
    loops.shutdown(Duration.ofSeconds(2));
  }

  /** A raw HTTP/1.1 client that asks for the stream; {@code receiveBuffer} 0: the default. */
  private Socket subscribe(int receiveBuffer) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(30_000); // a hang fails the test instead of the build
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.connect(new InetSocketAddress("127.0.0.1", listener.address().getPort()));
    OutputStream out = s.getOutputStream();
    out.write(
        "GET /api/sessions/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** Reads until {@code marker} was seen; returns everything read. */
  private static String readUntil(InputStream in, String marker) throws IOException {
    StringBuilder sb = new StringBuilder();
    byte[] buf = new byte[8192];
    while (sb.indexOf(marker) < 0) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("closed before '" + marker + "': " + sb);
      }
      sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
    }
    return sb.toString();
  }

  private void awaitSubscribers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (stream.subscribers() != n) {
      assertThat(System.nanoTime()).as("subscribers reach " + n).isLessThan(deadline);
      Thread.sleep(1); // polls the condition; no timing is assumed
    }
  }

  @Test
  void eventsAreFramedAsServerSentEvents() throws Exception {
    start(4, 1 << 20, Duration.ofMinutes(1));
    try (Socket s = subscribe(0)) {
      InputStream in = s.getInputStream();
      String head = readUntil(in, "retry: 2000\n\n");
      assertThat(head).startsWith("HTTP/1.1 200 OK\r\n");
      assertThat(head.toLowerCase(java.util.Locale.ROOT))
          .contains("content-type: text/event-stream")
          .contains("cache-control: no-cache")
          .contains("transfer-encoding: chunked")
          .contains("x-content-type-options: nosniff");
      awaitSubscribers(1);
      stream.broadcastFrame(
          "event: opened\ndata: {\"key\":\"k\\n\"}\n\n".getBytes(StandardCharsets.UTF_8));
      String body = readUntil(in, "\n\n");
      assertThat(body).contains("event: opened\ndata: {\"key\":\"k\\n\"}\n\n");
    }
  }

  @Test
  void idleStreamsGetHeartbeats() throws Exception {
    start(4, 1 << 20, Duration.ofMillis(50));
    try (Socket s = subscribe(0)) {
      InputStream in = s.getInputStream();
      readUntil(in, "retry: 2000\n\n");
      assertThat(readUntil(in, ": heartbeat\n\n")).contains(": heartbeat");
    }
  }

  @Test
  void subscribersAreBoundedAndRefusalsCounted() throws Exception {
    start(1, 1 << 20, Duration.ofMinutes(1));
    try (Socket first = subscribe(0)) {
      readUntil(first.getInputStream(), "retry: 2000\n\n");
      try (Socket second = subscribe(0)) {
        String refused = readUntil(second.getInputStream(), "}");
        assertThat(refused).startsWith("HTTP/1.1 503").contains("admin.max_stream_subscribers");
      }
      assertThat(sample("hermes_collector_stream_subscribers_refused_total")).isEqualTo(1);
      assertThat(sample("hermes_collector_stream_subscribers")).isEqualTo(1);
    }
    // The slot frees when the reader leaves.
    awaitSubscribers(0);
    try (Socket third = subscribe(0)) {
      assertThat(readUntil(third.getInputStream(), "retry: 2000\n\n")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void aReaderThatStopsReadingIsDroppedWhileOthersKeepUp() throws Exception {
    start(4, 256 * 1024, Duration.ofMinutes(1));
    try (Socket slow = subscribe(4096);
        Socket fast = subscribe(0)) {
      readUntil(slow.getInputStream(), "retry: 2000\n\n");
      InputStream fastIn = fast.getInputStream();
      readUntil(fastIn, "retry: 2000\n\n");
      awaitSubscribers(2);
      byte[] filler = new byte[16 * 1024];
      java.util.Arrays.fill(filler, (byte) 'x');
      // The slow reader never reads: once the kernel's buffers are full its backlog grows past
      // admin.stream_buffer_bytes and it is dropped. The fast one reads every event.
      int i = 0;
      while (sample("hermes_collector_stream_subscribers_dropped_total") == 0) {
        String marker = "#" + i++ + "#";
        stream.broadcastFrame(
            ("data: " + new String(filler, StandardCharsets.US_ASCII) + marker + "\n\n")
                .getBytes(StandardCharsets.US_ASCII));
        readUntil(fastIn, marker);
        assertThat(i).as("events until the slow reader is dropped").isLessThan(20_000);
      }
      assertThat(stream.subscribers()).isEqualTo(1);
      // The fast reader is still served.
      stream.broadcastFrame("event: finished\ndata: {}\n\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(fastIn, "event: finished")).contains("event: finished");
    }
  }

  private double sample(String name) {
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(new StreamMetrics(stream));
    Double v = r.getSampleValue(name);
    return v == null ? 0 : v;
  }
}
