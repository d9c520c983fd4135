package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.metrics.SecurityMetrics;
import hermes.collector.metrics.Telemetry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.client.CollectorRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's Host, token and reload rules. The embedded channel's client is not on loopback,
 * so these are the answers a client on another host gets.
 */
class AdminGuardTest {
  @TempDir Path dir;

  private static FullHttpResponse call(
      AdminHandler h, HttpMethod method, String uri, String... headers) {
    EmbeddedChannel ch = new EmbeddedChannel(h);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().set(headers[i], headers[i + 1]);
    }
    ch.writeInbound(req);
    FullHttpResponse r = ch.readOutbound();
    FullHttpResponse copy = r.retainedDuplicate();
    r.release();
    ch.finishAndReleaseAll();
    return copy;
  }

  private static int status(FullHttpResponse r) {
    int code = r.status().code();
    r.release();
    return code;
  }

  @Test
  void hostMustBeAnAddressALoopbackNameTheBindHostOrListed() {
    AdminGuard g = new AdminGuard("collector-0", List.of("Metrics.Internal"), null);
    assertThat(g.hostAllowed(null)).isTrue();
    assertThat(g.hostAllowed("127.0.0.1:8889")).isTrue();
    assertThat(g.hostAllowed("10.1.2.3")).isTrue();
    assertThat(g.hostAllowed("[::1]:8889")).isTrue();
    assertThat(g.hostAllowed("localhost:8889")).isTrue();
    assertThat(g.hostAllowed("app.localhost")).isTrue();
    assertThat(g.hostAllowed("collector-0:8889")).isTrue();
    assertThat(g.hostAllowed("metrics.internal")).isTrue();
    assertThat(g.hostAllowed("evil.example:8889")).isFalse();
    assertThat(g.hostAllowed("localhost.evil.example")).isFalse();
    assertThat(g.hostAllowed("1.2.3.4.evil.example")).isFalse();
  }

  @Test
  void theApiTokenFromAFileWorksBesideTheInlineOneFromOutsideLoopback() throws Exception {
    Path file = dir.resolve("admin-tokens");
    Files.writeString(file, "from-file\n");
    SecurityMetrics metrics = new SecurityMetrics(new CollectorRegistry(true));
    AdminGuard guard =
        new AdminGuard("0.0.0.0", List.of(), new BearerTokens("admin", file, "inline", metrics));
    AdminHandler h = new AdminHandler(new Telemetry().exposition(), () -> true, null, guard);
    // The gate passes with either token (no API behind this handler: 404), refuses without.
    assertThat(status(call(h, HttpMethod.GET, "/api/sessions", "Host", "10.0.0.5:8889")))
        .isEqualTo(403);
    assertThat(
            status(
                call(
                    h,
                    HttpMethod.GET,
                    "/api/sessions",
                    "Host",
                    "10.0.0.5:8889",
                    "Authorization",
                    "Bearer from-file")))
        .isEqualTo(404);
    assertThat(status(call(h, HttpMethod.GET, "/api/sessions", "Authorization", "Bearer inline")))
        .isEqualTo(404);
    assertThat(status(call(h, HttpMethod.GET, "/api/sessions", "Authorization", "Bearer other")))
        .isEqualTo(403);
    // A foreign Host is refused even with the token.
    FullHttpResponse foreign =
        call(
            h,
            HttpMethod.GET,
            "/api/sessions",
            "Host",
            "evil.example",
            "Authorization",
            "Bearer from-file");
    assertThat(foreign.status().code()).isEqualTo(403);
    assertThat(foreign.content().toString(StandardCharsets.UTF_8)).contains("admin.allowed_hosts");
    foreign.release();
  }

  @Test
  void aReloadNeedsTheTokenOrARequestNoFormCanMake() {
    AdminGuard g = new AdminGuard("localhost", List.of(), BearerTokens.inline("t0k"));
    assertThat(g.reloadAllowed(post("Content-Type", "text/plain"))).isFalse();
    assertThat(g.reloadAllowed(post("Content-Type", "application/x-www-form-urlencoded")))
        .isFalse();
    assertThat(g.reloadAllowed(post("Content-Type", "multipart/form-data; boundary=x"))).isFalse();
    assertThat(g.reloadAllowed(post())).isFalse();
    assertThat(g.reloadAllowed(post("Content-Type", "application/json"))).isTrue();
    assertThat(g.reloadAllowed(post("X-Hermes-Reload", "1"))).isTrue();
    assertThat(g.reloadAllowed(post("Authorization", "Bearer t0k"))).isTrue();
    AdminHandler h = new AdminHandler(new Telemetry().exposition(), () -> true, null, g);
    FullHttpResponse r =
        call(h, HttpMethod.POST, "/-/reload", "Content-Type", "text/plain", "Host", "localhost");
    assertThat(r.status().code()).isEqualTo(403);
    assertThat(r.content().toString(StandardCharsets.UTF_8)).contains(AdminGuard.RELOAD_HEADER);
    r.release();
  }

  private static FullHttpRequest post(String... headers) {
    FullHttpRequest req =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/-/reload");
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().set(headers[i], headers[i + 1]);
    }
    req.headers().remove(HttpHeaderNames.HOST);
    return req;
  }
}
