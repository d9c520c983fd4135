package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /-/reload} reads and parses the price file off the admin I/O thread: with the file a
 * named pipe nobody writes yet (a disk that does not answer), the reload waits on a thread that is
 * not an event loop's while {@code /healthz} on the same (single-threaded) admin port still
 * answers; once the pipe delivers, the reload answers 500 for a broken table and 200 for a good
 * one, as before.
 */
class PriceReloadIT {
  private static final String PRICES =
      """
      models:
        - match: "m1"
          input: 1
          output: 2
      """;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

  @Test
  void aReloadWaitingOnItsFileBlocksNoIoThreadAndStillAnswers(@TempDir Path dir) throws Exception {
    Path prices = dir.resolve("prices.yaml");
    Files.writeString(prices, PRICES);
    Collector collector =
        TestCollectors.startFull(
            "pricing.file", prices.toString(), "pricing.reload_interval", "0s");
    CompletableFuture<HttpResponse<String>> pending = null;
    try {
      String admin = "http://127.0.0.1:" + collector.adminAddress().getPort();
      Files.delete(prices);
      Process mkfifo = new ProcessBuilder("mkfifo", prices.toString()).inheritIO().start();
      assertThat(mkfifo.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(mkfifo.exitValue()).isZero();

      CompletableFuture<HttpResponse<String>> broken = reload(admin);
      pending = broken;
      Thread reader = awaitReloadThread();
      assertThat(reader.getName())
          .as("the thread reading the price file")
          .doesNotContain("EventLoop")
          .doesNotContain("eventLoop");
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(admin + "/healthz"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as("/healthz while the reload waits").isEqualTo(200);
      assertThat(broken).isNotDone();

      Files.writeString(prices, "models: [[[\n"); // opens the pipe's writing end: the read goes on
      HttpResponse<String> refused = broken.get(30, TimeUnit.SECONDS);
      assertThat(refused.statusCode()).isEqualTo(500);
      assertThat(refused.body()).startsWith("{\"status\":\"error\",\"error\":");

      CompletableFuture<HttpResponse<String>> good = reload(admin);
      pending = good;
      awaitReloadThread();
      Files.writeString(prices, PRICES);
      HttpResponse<String> ok = good.get(30, TimeUnit.SECONDS);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("{\"status\":\"success\",\"price_entries\":1}");
    } finally {
      if (pending != null && !pending.isDone()) { // a failed check: let the blocked read end
        Thread writer = new Thread(() -> feed(prices), "pipe-writer");
        writer.setDaemon(true);
        writer.start();
      }
      collector.close();
    }
  }

  private static void feed(Path pipe) {
    try {
      Files.writeString(pipe, PRICES);
    } catch (java.io.IOException e) {
      // the reader is gone already
    }
  }

  private CompletableFuture<HttpResponse<String>> reload(String admin) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(admin + "/-/reload"))
            .header("X-Hermes-Reload", "1") // not a form: see SecurityIT
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The thread inside {@code Pricing.reload}, waiting for the pipe's writer. */
  private static Thread awaitReloadThread() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
        if (Arrays.stream(e.getValue())
            .anyMatch(
                f ->
                    f.getClassName().equals("hermes.collector.cost.Pricing")
                        && f.getMethodName().equals("reload"))) {
          return e.getKey();
        }
      }
      Thread.sleep(10); // polling a condition with a deadline
    }
    throw new AssertionError("no thread entered Pricing.reload within 30 s");
  }
}
