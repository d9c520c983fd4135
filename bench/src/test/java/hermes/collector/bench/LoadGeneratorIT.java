package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.Collector;
import hermes.collector.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The load generator, run as a user runs it, against a real collector on loopback. */
class LoadGeneratorIT {
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
                    "shutdown.grace_period", "2s")));
  }

  @AfterAll
  static void stop() {
    collector.close();
  }

  private static String run(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                "target/benchmarks.jar",
                "hermes.collector.bench.loadgen.LoadGenerator",
                "--json",
                "--sessions",
                "50"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("loadgen", ".json");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String json = Files.readString(out);
    assertThat(p.exitValue()).as(json).isZero();
    return json;
  }

  private static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static double received(String protocol, String encoding) throws Exception {
    return metric(
        "hermes_collector_spans_received_total{protocol=\""
            + protocol
            + "\",encoding=\""
            + encoding
            + "\",}");
  }

  private static double metric(String series) throws Exception {
    String body =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + collector.adminAddress().getPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    return 0;
  }

  @Test
  void everyProtocolDeliversWhatItReportsAndTheCollectorCountsTheSame() throws Exception {
    String http = "http://127.0.0.1:" + collector.httpAddress().getPort();
    String grpc = "http://127.0.0.1:" + collector.grpcAddress().getPort();
    String[][] runs = {
      {"http/protobuf", http, "http", "protobuf"},
      {"http/json", http, "http", "json"},
      {"grpc", grpc, "grpc", "protobuf"}
    };
    int seed = 1; // a seed per run: no run replays another's sessions
    for (String[] r : runs) {
      double before = received(r[2], r[3]);
      String json =
          run(
              "--protocol",
              r[0],
              "--endpoint",
              r[1],
              "--duration",
              "2s",
              "--connections",
              "2",
              "--seed",
              Integer.toString(seed++));
      long accepted = field(json, "spans_accepted");
      assertThat(accepted).as(r[0]).isPositive();
      assertThat(field(json, "requests_failed")).as(r[0]).isZero();
      assertThat(received(r[2], r[3]) - before).as(r[0]).isEqualTo((double) accepted);
    }
  }

  @Test
  void aLongRunSendsNewSessionsAndWarmUpIsSentButNotCounted() throws Exception {
    double before = received("http", "protobuf");
    double lateBefore = metric("hermes_collector_late_spans_total");
    String completed = "hermes_sessions_total{service=\"hermes-agent\",outcome=\"completed\",}";
    double completedBefore = metric(completed);
    String json =
        run(
            "--endpoint",
            "http://127.0.0.1:" + collector.httpAddress().getPort(),
            "--seed",
            "77",
            "--warmup",
            "1s",
            "--duration",
            "2s",
            "--connections",
            "2");
    long measured = field(json, "spans_accepted");
    long warmUp = field(json, "warmup_spans_accepted");
    assertThat(warmUp).isPositive();
    assertThat(received("http", "protobuf") - before).isEqualTo((double) (measured + warmUp));
    // 50 sessions are a few thousand spans: the corpus wrapped many times, re-keyed each time,
    // so the collector saw new sessions, never late spans of finished ones.
    assertThat(measured + warmUp).isGreaterThan(10 * 2_000L);
    Thread.sleep(6_000); // sessions finalize (and replays would be found late) after 5 s settle
    assertThat(metric("hermes_collector_late_spans_total") - lateBefore).isZero();
    long passes = (measured + warmUp) / field(json, "corpus_spans");
    assertThat(metric(completed) - completedBefore)
        .as("50 new sessions per pass over the corpus")
        .isGreaterThanOrEqualTo((passes - 1) * 50.0);
  }

  @Test
  void openLoopSendsOnScheduleWhateverTheSpeed() throws Exception {
    String json =
        run(
            "--endpoint",
            "http://127.0.0.1:" + collector.httpAddress().getPort(),
            "--rate",
            "20000",
            "--duration",
            "2s",
            "--seed",
            "4");
    assertThat(json).contains("\"mode\":\"open\"");
    // The schedule, not the collector's speed, sets how much is sent: ~40,000 spans.
    assertThat(field(json, "spans_accepted")).isBetween(32_000L, 48_000L);
  }

  @Test
  void drivesTheStockBaselineReceiver() throws Exception {
    try (hermes.collector.bench.baseline.StockReceiver stock =
        new hermes.collector.bench.baseline.StockReceiver(0)) {
      String json =
          run(
              "--protocol",
              "grpc",
              "--endpoint",
              "http://127.0.0.1:" + stock.port(),
              "--duration",
              "2s",
              "--connections",
              "2");
      assertThat(field(json, "spans_accepted")).isPositive().isEqualTo(stock.spans());
    }
  }

  /** Runs the generator without --json: its exit status and its stderr. */
  private static Map.Entry<Integer, String> runPlain(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                "target/benchmarks.jar",
                "hermes.collector.bench.loadgen.LoadGenerator",
                "--sessions",
                "5"));
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile("loadgen", ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return Map.entry(p.exitValue(), Files.readString(err));
  }

  @Test
  void aRefusedConnectionIsNamedAndExitsNonZero() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    for (String protocol : List.of("http/protobuf", "grpc")) {
      Map.Entry<Integer, String> r =
          runPlain(
              "--protocol",
              protocol,
              "--endpoint",
              "http://127.0.0.1:" + port,
              "--connections",
              "1",
              "--duration",
              "1s");
      assertThat(r.getKey()).as(r.getValue()).isEqualTo(1);
      assertThat(r.getValue())
          .as(protocol)
          .contains("no request was accepted (")
          .contains("connection refused by 127.0.0.1:" + port);
    }
  }

  @Test
  void aRejectedRequestShowsTheStatusAndTheBody() throws Exception {
    // The admin port refuses a body this large before reading it: a real server saying no.
    Map.Entry<Integer, String> r =
        runPlain(
            "--protocol",
            "http/json",
            "--endpoint",
            "http://127.0.0.1:" + collector.adminAddress().getPort() + "/v1/traces",
            "--connections",
            "1",
            "--duration",
            "1s");
    assertThat(r.getKey()).as(r.getValue()).isEqualTo(1);
    assertThat(r.getValue()).contains("no request was accepted (HTTP 413");
  }

  @Test
  void theCorpusLineTellsWhatIsSent() throws Exception {
    Map.Entry<Integer, String> r =
        runPlain(
            "--endpoint",
            "http://127.0.0.1:" + collector.httpAddress().getPort(),
            "--connections",
            "1",
            "--duration",
            "1s");
    assertThat(r.getKey()).as(r.getValue()).isZero();
    assertThat(r.getValue())
        .containsPattern("corpus: 5 sessions, [0-9,]+ spans \\(\\d+ per session\\)")
        .contains("ids are re-keyed on each pass");
  }
}
