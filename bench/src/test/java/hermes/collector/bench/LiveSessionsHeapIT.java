package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The sizing target: a collector in {@code -Xmx256m} holds 10,000 live sessions (the reference
 * plugin's, mid-session: turns done, session span still to come) and keeps ingesting without GC
 * thrash. A real forked collector, real HTTP; GC time and heap are read from its own /metrics.
 *
 * <p>The larger sizing (100,000 live sessions, the default {@code sessions.max_live}, in {@code
 * -Xmx512m}) is the same run, too long for the suite: {@code ./mvnw -B -pl bench -am verify
 * -Dtest=none -Dit.test=LiveSessionsHeapIT -Dhermes.heap.sessions=100000 -Dhermes.heap.xmx=512m}
 * (bench/RESULTS.md).
 */
class LiveSessionsHeapIT {
  private static final int SESSIONS = Integer.getInteger("hermes.heap.sessions", 10_000);
  private static final String XMX = System.getProperty("hermes.heap.xmx", "256m");
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void tenThousandLiveSessionsFitIn256MegabytesWithoutGcThrash() throws Exception {
    int otlp = freePort();
    int admin = freePort();
    Path log = Files.createTempFile("collector-256m", ".log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + XMX,
                "-cp",
                "target/benchmarks.jar",
                "hermes.collector.Main",
                "--set",
                "otlp.http.endpoint=127.0.0.1:" + otlp,
                "--set",
                "otlp.grpc.endpoint=127.0.0.1:" + freePort(),
                "--set",
                "admin.endpoint=127.0.0.1:" + admin)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      URI traces = URI.create("http://127.0.0.1:" + otlp + "/v1/traces");
      URI metrics = URI.create("http://127.0.0.1:" + admin + "/metrics");
      awaitReady(metrics);
      // 10,000 sessions, every turn finished, no session span yet: they stay live
      for (byte[] body : withoutSessionSpans(HermesCorpus.sessions(11, SESSIONS, 512))) {
        assertThat(post(traces, body)).as("see %s", log).isEqualTo(200);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (metric(metrics, "hermes_active_sessions{service=\"hermes-agent\",}") < SESSIONS
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(metric(metrics, "hermes_active_sessions{service=\"hermes-agent\",}"))
          .isEqualTo(SESSIONS);

      // steady ingest on top of them for 10 s: whole sessions that come and go, at a fixed rate
      // (100 requests of 512 spans a second), so the GC share measures heap pressure at a given
      // load and does not grow because the collector got faster (a closed loop would).
      double gcBefore = gcSeconds(metrics);
      long start = System.nanoTime();
      List<byte[]> load = new ArrayList<>();
      HermesCorpus.sessions(12, 2_000, 512).forEach(r -> load.add(r.toByteArray()));
      long sent = 0;
      for (int i = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10); i++) {
        long due = start + i * TimeUnit.MILLISECONDS.toNanos(10);
        while (System.nanoTime() < due) {
          java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime()); // pacing
        }
        byte[] body = load.get(i % load.size()).clone();
        Rekeyer.of(body).rekey(body, i / load.size() + 1);
        int status = post(traces, body);
        assertThat(status).as("see %s", log).isIn(200, 503);
        sent += status == 200 ? 1 : 0;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double gcShare = (gcSeconds(metrics) - gcBefore) / seconds;
      double heap = metric(metrics, "jvm_memory_bytes_used{area=\"heap\",}");
      System.out.printf(
          "%,d live sessions in -Xmx%s: heap used %.1f MiB, GC %.1f%% of the time over %.1f s"
              + " of ingest (%d requests of 512 spans accepted)%n",
          SESSIONS, XMX, heap / (1 << 20), gcShare * 100, seconds, sent);
      assertThat(metric(metrics, "hermes_active_sessions{service=\"hermes-agent\",}"))
          .as("the live sessions are still there")
          .isGreaterThanOrEqualTo(SESSIONS);
      assertThat(gcShare).as("share of time in GC").isLessThan(0.10);
      assertThat(sent).as("requests accepted while holding them").isPositive();
      assertThat(p.isAlive()).as("see %s", log).isTrue();
    } finally {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private static List<byte[]> withoutSessionSpans(List<ExportTraceServiceRequest> requests) {
    List<byte[]> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : requests) {
      ExportTraceServiceRequest.Builder b = r.toBuilder();
      for (ResourceSpans.Builder rs : b.getResourceSpansBuilderList()) {
        for (ScopeSpans.Builder ss : rs.getScopeSpansBuilderList()) {
          List<Span> kept = new ArrayList<>(ss.getSpansList());
          kept.removeIf(s -> s.getName().equals("hermes.session"));
          ss.clearSpans().addAllSpans(kept);
        }
      }
      out.add(b.build().toByteArray());
    }
    return out;
  }

  private int post(URI uri, byte[] body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private void awaitReady(URI metrics) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private double metric(URI metrics, String series) throws Exception {
    String body =
        http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    return 0;
  }

  private double gcSeconds(URI metrics) throws Exception {
    String body =
        http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith("jvm_gc_collection_seconds_sum{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
