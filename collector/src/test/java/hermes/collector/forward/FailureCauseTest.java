package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The forward failure log says the cause: connection refused, timeout, the status and message. */
class FailureCauseTest {
  private static HttpSender http(int port) throws Exception {
    return new HttpSender(
        URI.create("http://127.0.0.1:" + port), Map.of(), false, Duration.ofSeconds(5), null);
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Accepts one connection, reads the request head, then answers {@code response} (or not). */
  private static ServerSocket answering(String response) throws Exception {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // the end of the head; the body is not waited for
                  int b = in.read();
                  if (b < 0) {
                    return;
                  }
                  matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : 0;
                }
                if (response == null) {
                  in.readAllBytes(); // never answers
                  return;
                }
                OutputStream out = s.getOutputStream();
                out.write(response.getBytes(StandardCharsets.US_ASCII));
                out.flush();
              } catch (java.io.IOException e) {
                // the client went away
              }
            });
    t.setDaemon(true);
    t.start();
    return server;
  }

  @Test
  void connectionRefusedIsNamed() throws Exception {
    int port = closedPort();
    Outcome o = http(port).send(new byte[0], Duration.ofSeconds(5));
    assertThat(o.kind()).isEqualTo(Outcome.Kind.RETRYABLE);
    assertThat(o.detail()).isEqualTo("connection refused (127.0.0.1:" + port + ")");
  }

  @Test
  void anHttpStatusComesWithTheStartOfTheBackendsMessage() throws Exception {
    String page = "quota exceeded for tenant 42\n" + "x".repeat(1000);
    try (ServerSocket server =
        answering(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: "
                + page.length()
                + "\r\nConnection: close\r\n\r\n"
                + page)) {
      Outcome o = http(server.getLocalPort()).send(new byte[0], Duration.ofSeconds(5));
      assertThat(o.kind()).isEqualTo(Outcome.Kind.FATAL);
      assertThat(o.reason()).isEqualTo("http_500");
      assertThat(o.detail()).startsWith("HTTP 500: quota exceeded for tenant 42 xxx");
      assertThat(o.detail().length()).isLessThanOrEqualTo(Outcome.MAX_DETAIL + 3);
    }
  }

  @Test
  void aTimeoutIsNamed() throws Exception {
    try (ServerSocket server = answering(null)) {
      Outcome o = http(server.getLocalPort()).send(new byte[0], Duration.ofMillis(300));
      assertThat(o.kind()).isEqualTo(Outcome.Kind.RETRYABLE);
      assertThat(o.reason()).isEqualTo("timeout");
      assertThat(o.detail()).isEqualTo("no answer within PT0.3S");
    }
  }

  @Test
  void aGrpcStatusComesWithItsMessageAndCause() {
    Outcome o =
        GrpcSender.outcome(
            Status.UNAVAILABLE
                .withDescription("io exception")
                .withCause(new java.net.ConnectException("Connection refused: /127.0.0.1:4317"))
                .asRuntimeException());
    assertThat(o.detail())
        .isEqualTo("gRPC UNAVAILABLE: io exception (Connection refused: /127.0.0.1:4317)");
    Outcome denied =
        GrpcSender.outcome(
            Status.PERMISSION_DENIED.withDescription("bad token").asRuntimeException());
    assertThat(denied.kind()).isEqualTo(Outcome.Kind.FATAL);
    assertThat(denied.detail()).isEqualTo("gRPC PERMISSION_DENIED: bad token");
  }
}
