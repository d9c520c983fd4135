package hermes.collector;

import static hermes.collector.semconv.Spans.attrs;
import static hermes.collector.semconv.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import hermes.collector.semconv.Spans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (the Debian package's server) scrapes a live collector fed with agent sessions,
 * and evaluates the shipped rules: every recording rule returns data, and the tool-error-rate alert
 * goes pending when tool errors exceed 5%. Required in CI.
 */
class PrometheusIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  static Path prometheus() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, "prometheus");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    if (System.getenv("CI") != null) {
      throw new AssertionError(
          "prometheus not on PATH: .ci/run must install the prometheus package");
    }
    assumeTrue(false, "prometheus not installed (apt-get install prometheus)");
    return null;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private long trace = 1;

  /** Sessions with failing tools, a priced model and rate-limited calls. */
  private void feed(Collector c) throws Exception {
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long t = trace++;
      spans.addAll(Spans.hermesSession(t, "e2e-" + t, 2, i == 0));
      long root = 900_000 + t;
      spans.add(
          attrs(
                  span(700_000 + t, root, 0, "chat gpt-4o"),
                  "gen_ai.operation.name",
                  "chat",
                  "gen_ai.request.model",
                  "gpt-4o",
                  "gen_ai.provider.name",
                  "openai",
                  "session.id",
                  "e2e-genai-" + t,
                  "gen_ai.usage.input_tokens",
                  1200L,
                  "gen_ai.usage.output_tokens",
                  80L)
              .build());
      spans.add(
          attrs(
                  span(800_000 + t, root + 1, 0, "chat gpt-4o"),
                  "gen_ai.operation.name",
                  "chat",
                  "gen_ai.request.model",
                  "gpt-4o",
                  "session.id",
                  "e2e-genai-" + t,
                  "error.type",
                  "rate_limit")
              .build());
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        Spans.request("hermes-agent", spans).toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private String query(int port, String promql) throws Exception {
    // Prometheus may still be starting: a refused connection is waited out, not a failure.
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        return queryOnce(port, promql);
      } catch (java.net.ConnectException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // polls the condition (Prometheus listening)
      }
    }
  }

  private String queryOnce(int port, String promql) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/api/v1/query?query="
                            + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void rulesEvaluateOnALiveCollectorAndTheToolErrorAlertGoesPending() throws Exception {
    Path prometheus = prometheus();
    Path rules = RulesIT.DASHBOARDS;
    // The rules as shipped, evaluated every second instead of every 30 s.
    Path recording = dir.resolve("hermes_recording_rules.yml");
    Files.writeString(
        recording,
        Files.readString(rules.resolve("hermes_recording_rules.yml"))
            .replace("interval: 30s", "interval: 1s"));
    Path alerts = dir.resolve("hermes_alerts.yml");
    Files.copy(rules.resolve("hermes_alerts.yml"), alerts);
    int backendPort = ForwardIT.freePort();
    try (ForwardIT.Backend backend = new ForwardIT.Backend(backendPort);
        Collector c =
            TestCollectors.startFull(
                "sessions.settle_delay", "100ms",
                "sessions.idle_timeout", "2s",
                "forward.endpoint", "http://127.0.0.1:" + backendPort,
                "forward.spool.dir", dir.resolve("spool").toString(),
                "forward.linger", "20ms")) {
      int port = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(
          config,
          "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
              + "rule_files:\n  - "
              + recording
              + "\n  - "
              + alerts
              + "\n"
              + "scrape_configs:\n  - job_name: hermes-agent\n    static_configs:\n"
              + "      - targets: ['127.0.0.1:"
              + c.adminAddress().getPort()
              + "']\n");
      Process p =
          new ProcessBuilder(
                  prometheus.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<String> recordings = new ArrayList<>();
        Matcher m = Pattern.compile("- record: (\\S+)").matcher(Files.readString(recording));
        while (m.find()) {
          recordings.add(m.group(1));
        }
        assertThat(recordings).hasSize(5);
        List<String> missing = new ArrayList<>(recordings);
        missing.addAll(DashboardsTest.expressions("5s")); // every dashboard query must return data
        boolean pending = false;
        while ((!missing.isEmpty() || !pending) && System.nanoTime() < deadline) {
          feed(c);
          Thread.sleep(1000);
          missing.removeIf(
              r -> {
                try {
                  return query(port, r).contains("\"result\":[{");
                } catch (Exception e) {
                  return false;
                }
              });
          pending =
              query(port, "ALERTS{alertname=\"HermesToolErrorRate\",tool_name=\"terminal\"}")
                  .contains("\"alertstate\":\"pending\"");
        }
        assertThat(query(port, "up{job=\"hermes-agent\"}")).contains("\"value\":[");
        assertThat(missing)
            .as(
                "recording rules with no data; prometheus log: %s",
                Files.readString(dir.resolve("prometheus.log")))
            .isEmpty();
        assertThat(pending).as("HermesToolErrorRate pending").isTrue();
        assertThat(backend.batches).as("traces forwarded to the backend").isNotEmpty();
        // The chapter's alert on the LLM error rate sees the rate-limited calls too.
        assertThat(query(port, "sum by (error_type) (rate(hermes_llm_errors_total[5m]))"))
            .contains("\"error_type\":\"rate_limit\"");
      } finally {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void everyDashboardQueryReturnsDataOnceAnIdleCollectorHasBeenScraped() throws Exception {
    Path prometheus = prometheus();
    try (Collector c = TestCollectors.startFull()) {
      int port = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(
          config,
          "global:\n  scrape_interval: 1s\n"
              + "scrape_configs:\n  - job_name: hermes-agent\n    static_configs:\n"
              + "      - targets: ['127.0.0.1:"
              + c.adminAddress().getPort()
              + "']\n");
      Process p =
          new ProcessBuilder(
                  prometheus.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        // No span, no metric point: a collector that has only been scraped. Every panel shows a
        // value (0 for counters that have not moved), never "No data".
        List<String> missing = new ArrayList<>(DashboardsTest.expressions("5s"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        // Two scrapes in, so rates over the window have their two samples.
        while (!query(port, "count_over_time(up{job=\"hermes-agent\"}[1m]) >= 2")
                .contains("\"value\":[")
            && System.nanoTime() < deadline) {
          Thread.sleep(500);
        }
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(1000);
          missing.removeIf(
              r -> {
                try {
                  return query(port, r).contains("\"result\":[{");
                } catch (Exception e) {
                  return false;
                }
              });
        }
        assertThat(query(port, "up{job=\"hermes-agent\"}")).contains("\"value\":[");
        assertThat(missing)
            .as(
                "dashboard queries with no data; prometheus log: %s",
                Files.readString(dir.resolve("prometheus.log")))
            .isEmpty();
      } finally {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
