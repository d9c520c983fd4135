package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.semconv.Spans;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: the admin API as seen from another host. The test makes that host itself: a network
 * namespace joined to the root namespace by a veth pair on a private /30, and curl run inside it
 * ({@code ip netns exec}). The collector's admin port listens on the root side's veth address only,
 * so every request comes from a non-loopback peer, and no packet leaves the pair (the namespace has
 * no other interface than its own {@code lo}, and no route beyond the /30).
 *
 * <p>Needs root and iproute2 ({@code .ci/run} installs it). Without them the test fails when {@code
 * CI} is set and is skipped otherwise, like {@link PromtoolIT}.
 */
class AdminFromAnotherHostIT {
  private static final String TOKEN = "netns-admin-token-7f3c";

  @TempDir Path dir;

  /** Unique per run, so parallel runs on one machine do not meet. */
  private final String tag = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 40);

  private final String netns = "hermes-adm-" + tag;
  private final String hostSide = "hadm" + tag; // at most 15 characters: IFNAMSIZ
  private final String nsSide = "hadp" + tag;
  private String hostAddress;
  private String nsAddress;
  private Collector collector;

  /** Removes the namespace and the pair if the JVM is stopped before {@link AfterEach} runs. */
  private final Thread onExit = new Thread(this::removeLinks, "remove-" + netns);

  private boolean created; // the namespace is ours: only then is it deleted

  @BeforeEach
  void makeTheOtherHost() throws Exception {
    requireNetns();
    String[] pair = freeSlash30();
    hostAddress = pair[0];
    nsAddress = pair[1];
    ip("link", "add", hostSide, "type", "veth", "peer", "name", nsSide);
    ip("link", "set", nsSide, "netns", netns);
    ip("addr", "add", hostAddress + "/30", "dev", hostSide);
    ip("link", "set", hostSide, "up");
    ip("netns", "exec", netns, "ip", "addr", "add", nsAddress + "/30", "dev", nsSide);
    ip("netns", "exec", netns, "ip", "link", "set", nsSide, "up");
    ip("netns", "exec", netns, "ip", "link", "set", "lo", "up");
  }

  /** Runs even when the setup or the test failed: nothing is left behind on the machine. */
  @AfterEach
  void removeTheOtherHost() throws Exception {
    if (collector != null) {
      collector.close();
    }
    if (created) {
      removeLinks();
      Runtime.getRuntime().removeShutdownHook(onExit);
    }
  }

  private void removeLinks() {
    try {
      // Deleting the namespace destroys the veth end in it, and with it the pair; the link
      // deletion covers a failure between creating the pair and moving one end.
      run(List.of("ip", "link", "del", hostSide));
      run(List.of("ip", "netns", "del", netns));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theApiNeedsTheTokenAndAnIpOrAllowedHostFromAnotherHost() throws Exception {
    Path tokenFile = dir.resolve("api-tokens");
    Files.writeString(tokenFile, "# the explorer's readers\n" + TOKEN + "\n");
    collector =
        TestCollectors.startFull(
            "admin.endpoint",
            hostAddress + ":0",
            "admin.api_token_file",
            tokenFile.toString(),
            "sessions.settle_delay",
            "100ms");
    assertThat(collector.adminAddress().getAddress().getHostAddress()).isEqualTo(hostAddress);
    ingestOneSession();
    String base = "http://" + hostAddress + ":" + collector.adminAddress().getPort();

    // The peer reaches the port, but the sessions API answers non-loopback clients only with the
    // token.
    Answer noToken = curl(base + "/api/sessions");
    assertThat(noToken.status).isEqualTo(403);
    assertThat(noToken.body).contains("loopback clients").doesNotContain("\"sessions\"");

    Answer withToken = curl(base + "/api/sessions", "-H", "Authorization: Bearer " + TOKEN);
    assertThat(withToken.status).isEqualTo(200);
    assertThat(withToken.headers).containsIgnoringCase("content-type: application/json");
    JsonNode list = new ObjectMapper().readTree(withToken.body);
    assertThat(list.path("total").asInt()).isEqualTo(1);
    assertThat(list.path("sessions").size()).isEqualTo(1);

    Answer wrongToken = curl(base + "/api/sessions", "-H", "Authorization: Bearer not-" + TOKEN);
    assertThat(wrongToken.status).isEqualTo(403);

    // Prometheus scrapes from outside the pod without a token.
    Answer metrics = curl(base + "/metrics");
    assertThat(metrics.status).isEqualTo(200);
    assertThat(metrics.body).contains("hermes_sessions_total{");

    // DNS rebinding: a name that resolves to the collector, sent as Host, is refused even with the
    // token (a page cannot read the API through a victim's browser that holds the cookie).
    Answer rebound =
        curl(
            base + "/api/sessions",
            "-H",
            "Host: rebound.example",
            "-H",
            "Authorization: Bearer " + TOKEN);
    assertThat(rebound.status).isEqualTo(403);
    assertThat(rebound.body).contains("rebound.example").contains("admin.allowed_hosts");

    // A cross-site HTML form's reload: text/plain, no token.
    Answer form =
        curl(
            base + "/-/reload",
            "-X",
            "POST",
            "-H",
            "Content-Type: text/plain",
            "-H",
            "Origin: https://evil.example",
            "--data-binary",
            "x=");
    assertThat(form.status).isEqualTo(403);
    assertThat(form.body).contains("X-Hermes-Reload");
    // The header a form cannot send is not enough without the token from another host.
    Answer headerOnly = curl(base + "/-/reload", "-X", "POST", "-H", "X-Hermes-Reload: 1");
    assertThat(headerOnly.status).isEqualTo(403);
    Answer reload =
        curl(
            base + "/-/reload",
            "-X",
            "POST",
            "-H",
            "Content-Type: text/plain",
            "-H",
            "Authorization: Bearer " + TOKEN);
    assertThat(reload.status).isEqualTo(200);
    assertThat(reload.body).contains("\"status\":\"success\"");
  }

  /** One whole session over OTLP/HTTP on loopback, visible in the sessions API. */
  private void ingestOneSession() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<Void> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        Spans.request("hermes-agent", Spans.hermesSession(7, "p-1", 2, true))
                            .toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(200);
    // The admin port is on the veth address only: asked from the namespace, as the test does.
    String metrics =
        "http://" + hostAddress + ":" + collector.adminAddress().getPort() + "/metrics";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!curl(metrics).body.contains("hermes_sessions_total{")) {
      assertThat(System.nanoTime()).as("the session to be assembled").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Status, headers and body of one curl request made from inside the namespace. */
  private record Answer(int status, String headers, String body) {}

  private Answer curl(String url, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    // --noproxy: a proxy from the environment must not carry the request anywhere else.
    cmd.addAll(
        List.of(
            "ip",
            "netns",
            "exec",
            netns,
            "curl",
            "-sS",
            "-i",
            "--noproxy",
            "*",
            "--max-time",
            "20"));
    cmd.addAll(List.of(args));
    cmd.add(url);
    Result r = run(cmd);
    if (r.exit != 0) {
      throw new AssertionError("curl " + url + " failed (" + r.exit + "): " + r.output);
    }
    String out = r.output;
    int split = out.indexOf("\r\n\r\n");
    assertThat(split).as("an HTTP answer: %s", out).isPositive();
    String head = out.substring(0, split);
    String status = head.substring(head.indexOf(' ') + 1);
    return new Answer(Integer.parseInt(status.substring(0, 3)), head, out.substring(split + 4));
  }

  /**
   * A /30 in 10.231.0.0/16 that no interface of the machine uses yet (an earlier run or a parallel
   * one): its two host addresses, the root side's first.
   */
  private static String[] freeSlash30() throws Exception {
    String used = run(List.of("ip", "-o", "-4", "addr", "show")).output;
    for (int attempt = 0; attempt < 100; attempt++) {
      int third = ThreadLocalRandom.current().nextInt(256);
      int block = ThreadLocalRandom.current().nextInt(64) * 4;
      String prefix = "10.231." + third + ".";
      boolean taken = false;
      for (int i = 0; i < 4; i++) {
        taken |= used.contains(" " + prefix + (block + i) + "/");
      }
      if (!taken) {
        return new String[] {prefix + (block + 1), prefix + (block + 2)};
      }
    }
    throw new AssertionError("no free /30 in 10.231.0.0/16: " + used);
  }

  /** Creates the namespace; without iproute2 or the right to, fails in CI and skips elsewhere. */
  private void requireNetns() throws Exception {
    String why;
    if (run(List.of("sh", "-c", "command -v ip")).exit != 0) {
      why = "iproute2 (the ip command) is not installed: .ci/run must install iproute2";
    } else {
      Result r = run(List.of("ip", "netns", "add", netns));
      if (r.exit == 0) {
        created = true;
        Runtime.getRuntime().addShutdownHook(onExit);
        return;
      }
      why = "cannot create a network namespace (the test needs root): " + r.output;
    }
    if (System.getenv("CI") != null) {
      throw new AssertionError(why);
    }
    assumeTrue(false, why);
  }

  private static void ip(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("ip");
    cmd.addAll(List.of(args));
    Result r = run(cmd);
    if (r.exit != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.output);
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    return new Result(p.exitValue(), out);
  }
}
