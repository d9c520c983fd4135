package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.client.CollectorRegistry;
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
        new AdminHandler(new CollectorRegistry(true), () -> true, null, "s3cret");
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

    AdminHandler noToken = new AdminHandler(new CollectorRegistry(true), () -> true, null, "");
    FullHttpResponse none = call(noToken, "/api/sessions/x", "Bearer ");
    assertThat(none.status().code()).isEqualTo(403);
    none.release();
  }

  @Test
  void metricsAndHealthStayOpen() {
    AdminHandler h = new AdminHandler(new CollectorRegistry(true), () -> false, null, "t");
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
}
