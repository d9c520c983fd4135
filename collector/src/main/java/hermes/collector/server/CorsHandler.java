package hermes.collector.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CORS for browser OTLP exporters ({@code otlp.http.cors.allowed_origins}), as the OpenTelemetry
 * Collector's confighttp does: a preflight {@code OPTIONS} is answered here (204, with the allow
 * headers when the origin is allowed, without them otherwise), and the answer to a request from an
 * allowed origin carries {@code Access-Control-Allow-Origin}. Sits before authentication, because a
 * browser sends no credentials in a preflight.
 *
 * <p>Threading: one instance per connection, on its I/O thread (HTTP/1.1 answers in order, so the
 * origin of the request being answered is one field).
 */
final class CorsHandler extends ChannelDuplexHandler {
  /** Request headers a browser exporter may send (OTel JS sends Content-Type and its headers). */
  static final Set<String> ALLOWED_HEADERS =
      Set.of(
          "content-type",
          "content-encoding",
          "authorization",
          "accept",
          "x-requested-with",
          "origin");

  private final Policy policy;
  private String allowedOrigin; // of the request being answered, or null
  private boolean discarding;

  CorsHandler(Policy policy) {
    this.policy = policy;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      String origin = req.headers().get(HttpHeaderNames.ORIGIN);
      allowedOrigin = origin != null && policy.allows(origin) ? origin : null;
      if (HttpMethod.OPTIONS.equals(req.method())
          && origin != null
          && req.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
        preflight(ctx, req);
        discarding = !(msg instanceof LastHttpContent);
        ReferenceCountUtil.release(msg);
        return;
      }
      discarding = false;
    } else if (discarding && msg instanceof HttpContent) {
      discarding = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private void preflight(ChannelHandlerContext ctx, HttpRequest req) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    HttpHeaders h = r.headers();
    h.set(
        HttpHeaderNames.VARY,
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    if (allowedOrigin != null
        && "POST"
            .equalsIgnoreCase(req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD))) {
      List<String> allowed = new ArrayList<>();
      String asked = req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS, "");
      for (String name : asked.split(",")) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (ALLOWED_HEADERS.contains(n)) {
          allowed.add(n);
        }
      }
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST");
      if (!allowed.isEmpty()) {
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, String.join(", ", allowed));
      }
    }
    HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(req));
    ctx.writeAndFlush(r, ctx.voidPromise());
    allowedOrigin = null; // already answered
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof HttpResponse r && allowedOrigin != null) {
      r.headers()
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin)
          .add(HttpHeaderNames.VARY, "Origin");
    }
    super.write(ctx, msg, promise);
  }

  /**
   * The allowed origins: exact ({@code https://app.example.com}), with one {@code *} wildcard
   * ({@code https://*.example.com}: a prefix and a suffix), or {@code *} for any. Compared without
   * case.
   *
   * <p>Threading: immutable.
   */
  static final class Policy {
    private final List<String[]> patterns = new ArrayList<>();

    Policy(List<String> origins) {
      for (String o : origins) {
        String lower = o.toLowerCase(Locale.ROOT);
        int star = lower.indexOf('*');
        patterns.add(
            star < 0
                ? new String[] {lower}
                : new String[] {lower.substring(0, star), lower.substring(star + 1)});
      }
    }

    boolean allows(String origin) {
      String o = origin.toLowerCase(Locale.ROOT);
      for (String[] p : patterns) {
        if (p.length == 1
            ? o.equals(p[0])
            : o.length() >= p[0].length() + p[1].length()
                && o.startsWith(p[0])
                && o.endsWith(p[1])) {
          return true;
        }
      }
      return false;
    }
  }
}
