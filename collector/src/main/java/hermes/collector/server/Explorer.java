package hermes.collector.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The session explorer's files ({@code explorer/} in the jar): read once at start, served from
 * memory with a strict Content-Security-Policy, so nothing outside this port can run in the page
 * and nothing agent-provided can become script (the page itself renders agent strings as text).
 *
 * <p>Threading: immutable after construction; responses are built per request on I/O threads.
 */
final class Explorer {
  /** The session cookie that carries {@code admin.api_token} for browsers. */
  static final String COOKIE = "hermes_admin_token";

  static final String CSP =
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  private record Asset(byte[] body, String type) {}

  private final Map<String, Asset> assets;

  Explorer() {
    assets =
        Map.of(
            "/", load("index.html", "text/html; charset=utf-8"),
            "/index.html", load("index.html", "text/html; charset=utf-8"),
            "/app.js", load("app.js", "text/javascript; charset=utf-8"),
            "/app.css", load("app.css", "text/css; charset=utf-8"),
            "/login", load("login.html", "text/html; charset=utf-8"));
  }

  private static Asset load(String name, String type) {
    try (InputStream in = Explorer.class.getResourceAsStream("/explorer/" + name)) {
      if (in == null) {
        throw new IllegalStateException("explorer/" + name + " is missing from the jar");
      }
      return new Asset(in.readAllBytes(), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code path} is one of the explorer's files (the login form included). */
  boolean serves(String path) {
    return assets.containsKey(path);
  }

  /** The file at {@code path} (which {@link #serves}). */
  FullHttpResponse file(String path, HttpResponseStatus status) {
    Asset a = assets.get(path);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(a.body()));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, a.type())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    return secured(r);
  }

  /** Adds the headers every explorer and API answer carries. */
  static FullHttpResponse secured(FullHttpResponse r) {
    r.headers()
        .set("Content-Security-Policy", CSP)
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("X-Frame-Options", "DENY");
    return r;
  }

  /** 303 to the explorer, setting the token cookie (HttpOnly: page scripts never see it). */
  static FullHttpResponse acceptToken(String token) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
    r.headers()
        .set(HttpHeaderNames.LOCATION, "/")
        .set(
            HttpHeaderNames.SET_COOKIE,
            COOKIE
                + "="
                + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "; HttpOnly; SameSite=Strict; Path=/")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return secured(r);
  }
}
