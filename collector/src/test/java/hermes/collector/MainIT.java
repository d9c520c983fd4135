package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The command line as an operator runs it: a real process, real signals, real exit codes. */
class MainIT {
  static Process launch(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("HERMES_COLLECTOR_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String output(Process p) throws IOException {
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void sigtermStopsGracefullyAndExitsZero() throws Exception {
    int http = freePort();
    int grpc = freePort();
    int admin = freePort();
    Process p =
        launch(
            Map.of("HERMES_COLLECTOR_OTLP_HTTP_ENDPOINT", "127.0.0.1:" + http),
            "--otlp-grpc-endpoint",
            "127.0.0.1:" + grpc,
            "--set",
            "admin.endpoint=127.0.0.1:" + admin,
            "--set",
            "shutdown.grace_period=3s");
    BufferedReader log =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = log.readLine()) != null) {
      lines.add(line);
      if (line.contains("OTLP/HTTP listening")) {
        break;
      }
    }
    assertThat(lines).anyMatch(l -> l.contains("admin listening on 127.0.0.1:" + admin));
    assertThat(lines).anyMatch(l -> l.contains("OTLP/gRPC listening on 127.0.0.1:" + grpc));
    assertThat(lines).anyMatch(l -> l.contains("OTLP/HTTP listening on 127.0.0.1:" + http));

    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> ready =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    HttpResponse<String> posted =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/v1/traces"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(posted.statusCode()).isEqualTo(200);

    long t0 = System.nanoTime();
    // kill(1), not Process.destroy(): destroy closes our end of the pipes.
    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(5);
    StringBuilder rest = new StringBuilder();
    while ((line = log.readLine()) != null) {
      rest.append(line).append('\n');
    }
    assertThat(rest).contains("stopped in");
  }

  @Test
  void anInvalidConfigExitsTwoNamingKeyValueAndRule() throws Exception {
    Process p = launch(Map.of("HERMES_COLLECTOR_OTLP_GRPC_ENDPOINT", "4317"));
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(output(p))
        .contains(
            "invalid configuration: otlp.grpc.endpoint: '4317' is not host:port (for example"
                + " 127.0.0.1:4318 or [::1]:4318; port 0-65535)");

    Process unknown = launch(Map.of(), "--set", "otlp.http.endpiont=127.0.0.1:1");
    assertThat(unknown.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(unknown.exitValue()).isEqualTo(2);
    assertThat(output(unknown)).contains("unknown config key 'otlp.http.endpiont'");
  }

  @Test
  void aTakenPortExitsOneNamingTheListener() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Process p =
          launch(
              Map.of(),
              "--admin-endpoint",
              "127.0.0.1:0",
              "--otlp-grpc-endpoint",
              "127.0.0.1:0",
              "--otlp-http-endpoint",
              "127.0.0.1:" + taken.getLocalPort());
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      String out = output(p);
      assertThat(out).contains("OTLP/HTTP: cannot listen on 127.0.0.1:" + taken.getLocalPort());
      // The cause comes before the lines of the stop it triggers.
      assertThat(out.indexOf("cannot listen on")).isLessThan(out.indexOf("stopped in"));
    }
  }

  @Test
  void helpAndVersion() throws Exception {
    Process help = launch(Map.of(), "--help");
    assertThat(help.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(output(help))
        .contains("Usage: hermes-collector")
        .contains("--config=FILE")
        .contains("--set=KEY=VALUE")
        .contains("HERMES_COLLECTOR_<KEY>");
    Process version = launch(Map.of(), "--version");
    assertThat(version.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(output(version)).startsWith("hermes-collector ");
  }

  private static Process finished(Process p) throws InterruptedException {
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return p;
  }

  @Test
  void validateChecksWithoutStartingAnything() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      // A taken port does not matter: validate binds nothing.
      Process ok =
          finished(
              launch(
                  Map.of(),
                  "validate",
                  "--config",
                  DeploymentFilesTest.ROOT.resolve("config/sidecar.yaml").toString(),
                  "--otlp-http-endpoint",
                  "127.0.0.1:" + taken.getLocalPort()));
      assertThat(output(ok)).contains("configuration OK: ").doesNotContain("listening");
      assertThat(ok.exitValue()).isZero();
    }
    Process bad =
        finished(launch(Map.of("HERMES_COLLECTOR_SESSIONS_SETTLE_DELY", "1s"), "validate"));
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(output(bad))
        .contains(
            "unknown environment variable HERMES_COLLECTOR_SESSIONS_SETTLE_DELY; did you mean"
                + " HERMES_COLLECTOR_SESSIONS_SETTLE_DELAY?");
    Process typo = finished(launch(Map.of(), "validate", "--set", "sessions.settle_dely=1s"));
    assertThat(typo.exitValue()).isEqualTo(2);
    assertThat(output(typo)).contains("did you mean 'sessions.settle_delay'?");
  }

  @Test
  void printConfigShowsSourcesAndRedactsSecrets() throws Exception {
    Process p =
        finished(
            launch(
                Map.of("HERMES_COLLECTOR_ADMIN_API_TOKEN", "hunter2"),
                "print-config",
                "--config",
                DeploymentFilesTest.ROOT.resolve("config/sidecar.yaml").toString(),
                "--set",
                "forward.headers=Authorization=Bearer xyz"));
    String out = output(p);
    assertThat(p.exitValue()).isZero();
    assertThat(out)
        .containsPattern("sessions\\.max_live: +10000 +# file")
        .containsPattern("sessions\\.settle_delay: +5s +# default")
        .containsPattern("admin\\.api_token: +<redacted> +# env")
        .containsPattern("forward\\.headers: +Authorization=<redacted> +# flag")
        .doesNotContain("hunter2")
        .doesNotContain("xyz");
  }

  @Test
  void aSetWithoutEqualsIsOneLine() throws Exception {
    Process p = finished(launch(Map.of(), "--set", "sessions.settle_delay"));
    assertThat(p.exitValue()).isEqualTo(2);
    String out = output(p).strip();
    assertThat(out.lines()).hasSize(1);
    assertThat(out).contains("--set").contains("KEY=VALUE").contains("sessions.settle_delay");
  }

  @Test
  void startLogsVersionAndTheSettingsThatDifferFromTheDefault() throws Exception {
    Process p =
        launch(
            Map.of("HERMES_COLLECTOR_ADMIN_API_TOKEN", "hunter2"),
            "--admin-endpoint",
            "127.0.0.1:0",
            "--otlp-grpc-endpoint",
            "127.0.0.1:0",
            "--otlp-http-endpoint",
            "127.0.0.1:0");
    BufferedReader log =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = log.readLine()) != null) {
      lines.add(line);
      if (line.contains("OTLP/HTTP listening")) {
        break;
      }
    }
    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(lines.get(0)).containsPattern("hermes-collector \\S+ \\(build \\S+, Java ");
    assertThat(lines.get(1))
        .contains("settings not at their default: ")
        .contains("otlp.http.endpoint=127.0.0.1:0 (flag)")
        .contains("admin.api_token=<redacted> (env)")
        .doesNotContain("hunter2")
        .doesNotContain("sessions.settle_delay");
  }
}
