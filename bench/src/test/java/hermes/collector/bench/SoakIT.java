package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.Collector;
import hermes.collector.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak of a few seconds ({@code hermes-loadgen --hostile-fraction}), run as {@code bench/soak.sh}
 * runs it, against a real collector on loopback: the good requests are all accepted, every hostile
 * one gets the answer its kind expects, none is left hanging, and the timeline has its samples.
 */
class SoakIT {
  private static Collector collector;

  @BeforeAll
  static void start() throws Exception {
    collector =
        Collector.start(
            ConfigLoader.load(
                null,
                Map.of(),
                Map.of(
                    "otlp.http.endpoint", "127.0.0.1:0",
                    "otlp.grpc.endpoint", "127.0.0.1:0",
                    "admin.endpoint", "127.0.0.1:0",
                    // the stalled heads are closed within the short run
                    "otlp.http.header_timeout", "1s",
                    "shutdown.grace_period", "2s")));
  }

  @AfterAll
  static void stop() {
    collector.close();
  }

  @Test
  void goodRequestsAllAcceptedHostileOnesAnsweredAsExpectedNothingLeftHanging(@TempDir Path dir)
      throws Exception {
    Path timeline = dir.resolve("timeline.csv");
    Path out = dir.resolve("summary.json");
    String admin = "http://127.0.0.1:" + collector.adminAddress().getPort();
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            "target/benchmarks.jar",
            "hermes.collector.bench.loadgen.LoadGenerator",
            "--json",
            "--sessions",
            "50",
            "--endpoint",
            "http://127.0.0.1:" + collector.httpAddress().getPort(),
            "--rate",
            "5000",
            "--duration",
            "4s",
            "--hostile-fraction",
            "0.9",
            "--hostile-kinds",
            "malformed_protobuf,truncated_gzip,gzip_bomb,huge_content_length,json_huge_exponent,"
                + "fullwidth_hex_id,long_names,orphan_spans,slow_head",
            "--target-pid",
            Long.toString(ProcessHandle.current().pid()),
            "--metrics-url",
            admin + "/metrics",
            "--timeline",
            timeline.toString(),
            "--sample-every",
            "1s");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    String text = Files.readString(out);
    assertThat(p.exitValue()).as("exit status; nothing left unanswered: %s", text).isZero();
    JsonNode summary = new ObjectMapper().readTree(text);

    assertThat(summary.get("requests_accepted").asLong()).isPositive();
    assertThat(summary.get("requests_failed").asLong()).as(text).isZero();
    assertThat(summary.get("requests_refused").asLong()).as(text).isZero();

    JsonNode hostile = summary.get("hostile");
    assertThat(hostile.get("sent").asLong()).isGreaterThanOrEqualTo(7);
    assertThat(hostile.get("unexpected").asLong()).as(text).isZero();
    Map<String, List<String>> expected =
        Map.of(
            "malformed_protobuf", List.of("400"),
            "truncated_gzip", List.of("400"),
            "gzip_bomb", List.of("413"),
            "huge_content_length", List.of("413"),
            "long_names", List.of("200"),
            "orphan_spans", List.of("200"),
            "slow_head", List.of("closed", "408"));
    JsonNode answers = hostile.get("answers");
    expected.forEach(
        (kind, ok) -> {
          assertThat(answers.has(kind)).as("%s sent: %s", kind, text).isTrue();
          answers.get(kind).fieldNames().forEachRemaining(a -> assertThat(a).isIn(ok));
        });

    List<String> lines = Files.readAllLines(timeline);
    assertThat(lines.get(0)).startsWith("elapsed_s,rss_mib,heap_after_gc_mib,heap_used_mib,");
    // A header, samples (a second apart, or further when a scrape is slow), and the last one
    // when the sender is done.
    assertThat(lines).as(text).hasSizeGreaterThanOrEqualTo(3);
    assertThat(Double.parseDouble(lines.get(lines.size() - 1).split(",")[0]))
        .as("the last window ends with the run: %s", lines)
        .isGreaterThanOrEqualTo(3.5); // the last of 4 s of sends goes out before 4.0
    assertThat(
            lines.subList(1, lines.size()).stream()
                .mapToLong(l -> Long.parseLong(l.split(",")[4]))
                .sum())
        .as("the windows' good requests add up to the run's: %s", lines)
        .isEqualTo(summary.get("requests_accepted").asLong());
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertThat(Double.parseDouble(f[1])).as("RSS in %s", line).isPositive();
      assertThat(Double.parseDouble(f[2])).as("heap after GC in %s", line).isNotNegative();
      assertThat(Double.parseDouble(f[3])).as("heap in use in %s", line).isPositive();
      assertThat(Long.parseLong(f[6])).as("good errors in %s", line).isZero();
    }

    // The collector holds none of the hostile connections once the run is over (it notices
    // the loadgen's closes on its event loops: wait for that, bounded).
    String open = "hermes_collector_connections_open{listener=\"otlp_http\",} ";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String seen;
    do {
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(admin + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      seen =
          metrics
              .body()
              .lines()
              .filter(l -> l.startsWith(open))
              .findFirst()
              .orElse(open + "(absent)");
      if (seen.equals(open + "0.0")) {
        break;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // poll
    } while (System.nanoTime() < deadline);
    assertThat(seen).isEqualTo(open + "0.0");
  }
}
