package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import hermes.collector.metrics.Telemetry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The admin port's access rule, seen from a client that is not on loopback (an embedded channel has
 * no loopback address): session data needs the token; metrics and health stay open.
 */
class AdminHandlerTest {
  private static FullHttpResponse call(AdminHandler h, String uri, String auth) {
    EmbeddedChannel ch = new EmbeddedChannel(h);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    if (auth != null) {
      req.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
    }
    ch.writeInbound(req);
    FullHttpResponse r = ch.readOutbound();
    FullHttpResponse copy = r.retainedDuplicate();
    r.release();
    assertFalse(ch.finishAndReleaseAll());
    return copy;
  }

  @Test
  void sessionDataNeedsTheTokenFromOutsideLoopback() {
    AdminHandler withToken =
        new AdminHandler(new Telemetry().exposition(), () -> true, null, "s3cret");
    FullHttpResponse denied = call(withToken, "/api/sessions", null);
    assertThat(denied.status().code()).isEqualTo(403);
    assertThat(denied.content().toString(StandardCharsets.UTF_8)).contains("admin.api_token");
    denied.release();
    FullHttpResponse wrong = call(withToken, "/-/reload", "Bearer guess");
    assertThat(wrong.status().code()).isEqualTo(403);
    wrong.release();
    // The right token passes the gate (this handler has no API behind it: 404).
    FullHttpResponse ok = call(withToken, "/api/sessions", "Bearer s3cret");
    assertThat(ok.status().code()).isEqualTo(404);
    ok.release();

    AdminHandler noToken = new AdminHandler(new Telemetry().exposition(), () -> true, null, "");
    FullHttpResponse none = call(noToken, "/api/sessions/x", "Bearer ");
    assertThat(none.status().code()).isEqualTo(403);
    none.release();
  }

  @Test
  void metricsAndHealthStayOpen() {
    AdminHandler h = new AdminHandler(new Telemetry().exposition(), () -> false, null, "t");
    FullHttpResponse metrics = call(h, "/metrics", null);
    assertThat(metrics.status().code()).isEqualTo(200);
    metrics.release();
    FullHttpResponse health = call(h, "/healthz", null);
    assertThat(health.status().code()).isEqualTo(200);
    health.release();
    FullHttpResponse ready = call(h, "/readyz", null);
    assertThat(ready.status().code()).isEqualTo(503);
    ready.release();
  }

  private static FullHttpResponse send(AdminHandler h, FullHttpRequest req) {
    EmbeddedChannel ch = new EmbeddedChannel(h);
    ch.writeInbound(req);
    FullHttpResponse r = ch.readOutbound();
    FullHttpResponse copy = r.retainedDuplicate();
    r.release();
    assertFalse(ch.finishAndReleaseAll());
    return copy;
  }

  private static FullHttpResponse get(AdminHandler h, String uri, String cookie) {
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    if (cookie != null) {
      req.headers().set(HttpHeaderNames.COOKIE, cookie);
    }
    return send(h, req);
  }

  @Test
  void browsersTradeTheTokenOnceForAnHttpOnlyCookie() {
    try (SessionStream stream = new SessionStream(1, 1024, 16, java.time.Duration.ofMinutes(1))) {
      AdminHandler h =
          new AdminHandler(new Telemetry().exposition(), () -> true, null, "s3cret", stream);
      // Without the token the page is the login form; the assets are open (they hold no data).
      FullHttpResponse login = get(h, "/", null);
      assertThat(login.status().code()).isEqualTo(401);
      assertThat(login.content().toString(StandardCharsets.UTF_8)).contains("action=\"/login\"");
      assertThat(login.headers().get("Content-Security-Policy")).startsWith("default-src 'self'");
      assertThat(login.headers().get("X-Content-Type-Options")).isEqualTo("nosniff");
      login.release();
      FullHttpResponse js = get(h, "/app.js", null);
      assertThat(js.status().code()).isEqualTo(200);
      assertThat(js.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("text/javascript");
      assertThat(js.content().toString(StandardCharsets.UTF_8)).doesNotContain("innerHTML =");
      js.release();

      FullHttpResponse wrong = get(h, "/?token=guess", null);
      assertThat(wrong.status().code()).isEqualTo(403);
      assertThat(wrong.headers().get(HttpHeaderNames.SET_COOKIE)).isNull();
      wrong.release();

      FullHttpResponse ok = get(h, "/?token=s3cret", null);
      assertThat(ok.status().code()).isEqualTo(303);
      assertThat(ok.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/");
      assertThat(ok.headers().get(HttpHeaderNames.SET_COOKIE))
          .isEqualTo("hermes_admin_token=s3cret; HttpOnly; SameSite=Strict; Path=/");
      ok.release();

      FullHttpRequest form =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1,
              HttpMethod.POST,
              "/login",
              io.netty.buffer.Unpooled.copiedBuffer("token=s3cret", StandardCharsets.UTF_8));
      form.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded");
      FullHttpResponse posted = send(h, form);
      assertThat(posted.status().code()).isEqualTo(303);
      assertThat(posted.headers().get(HttpHeaderNames.SET_COOKIE)).contains("HttpOnly");
      posted.release();

      // The cookie opens the page and the API like the bearer header; a wrong one does not.
      FullHttpResponse page = get(h, "/", "hermes_admin_token=s3cret");
      assertThat(page.status().code()).isEqualTo(200);
      assertThat(page.content().toString(StandardCharsets.UTF_8))
          .contains("<table id=\"sessions\"");
      page.release();
      FullHttpResponse api = get(h, "/api/sessions", "other=1; hermes_admin_token=s3cret");
      assertThat(api.status().code()).isEqualTo(404); // through the gate; no API behind it
      api.release();
      FullHttpResponse bad = get(h, "/api/sessions/stream", "hermes_admin_token=s3cre");
      assertThat(bad.status().code()).isEqualTo(403);
      bad.release();
    }
  }

  @Test
  void withoutATokenOnlyLoopbackGetsIn() {
    try (SessionStream stream = new SessionStream(1, 1024, 16, java.time.Duration.ofMinutes(1))) {
      AdminHandler h = new AdminHandler(new Telemetry().exposition(), () -> true, null, "", stream);
      FullHttpResponse empty = get(h, "/?token=", null);
      assertThat(empty.status().code()).isEqualTo(403);
      empty.release();
      FullHttpResponse cookie = get(h, "/api/sessions", "hermes_admin_token=");
      assertThat(cookie.status().code()).isEqualTo(403);
      cookie.release();
    }
  }
}
