package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.semconv.Spans;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shutdown is bounded by {@code shutdown.grace_period}, even against a backend that accepts the
 * connection and never answers, and the spans it could not forward are counted.
 */
class ShutdownIT {
  /** A "backend" that accepts connections, reads what it is sent, and never answers. */
  static final class Silent implements AutoCloseable {
    final ServerSocket server;
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicLong bytesRead = new AtomicLong();

    Silent() throws Exception {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread r = new Thread(() -> drain(s), "silent-reader");
                    r.setDaemon(true);
                    r.start();
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              },
              "silent-backend");
      t.setDaemon(true);
      t.start();
    }

    private void drain(Socket s) {
      byte[] buf = new byte[8192];
      try (InputStream in = s.getInputStream()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          bytesRead.addAndGet(n);
        }
      } catch (java.io.IOException e) {
        // closed
      }
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpc", "http/protobuf"})
  void theGracePeriodBoundsShutdownAgainstABackendThatNeverAnswers(String protocol)
      throws Exception {
    try (Silent backend = new Silent()) {
      Collector c =
          TestCollectors.start(
              new RecordingSink(),
              "forward.endpoint",
              "http://127.0.0.1:" + backend.server.getLocalPort(),
              "forward.protocol",
              protocol,
              "forward.timeout",
              "60s", // an attempt alone would outlast the grace period many times
              "forward.linger",
              "10ms",
              "shutdown.grace_period",
              "2s");
      boolean closed = false;
      try {
        int spans = 0;
        for (int i = 1; i <= 3; i++) {
          var request = Spans.request("agent", Spans.hermesSession(i, "s-" + i, 1, false));
          int code =
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  "http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                          .header("Content-Type", "application/x-protobuf")
                          .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray()))
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode();
          assertThat(code).isEqualTo(200);
          spans += request.getResourceSpans(0).getScopeSpans(0).getSpansCount();
        }
        // The exporter is in the middle of an attempt the backend will never answer.
        ForwardIT.await(() -> backend.bytesRead.get() > 0, 10);

        long t0 = System.nanoTime();
        c.close();
        closed = true;
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // A bound a user sees, not a performance figure: the grace period plus a margin for
        // closing what is left (the code before the fix took the grace period plus 1 s and more).
        assertThat(ms).as("close() with a 2 s grace period, in ms").isLessThan(2_800);
        Double dropped =
            c.registry()
                .getSampleValue(
                    "hermes_collector_dropped_spans_total",
                    new String[] {"reason"},
                    new String[] {"shutdown"});
        assertThat(dropped).isEqualTo((double) spans);
      } finally {
        if (!closed) {
          c.close();
        }
      }
    }
  }
}
