package hermes.collector.server;

import hermes.collector.metrics.Exposition;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The admin port: {@code GET /metrics} (Prometheus text, or OpenMetrics when the scrape's {@code
 * Accept} asks for it), {@code GET /healthz} (the process is up), {@code GET /readyz} (every
 * listener is bound and the collector is not shutting down), and, for loopback clients or holders
 * of the API token (bearer header or the explorer's cookie), the {@link SessionsApi}, the {@link
 * SessionStream} and the session {@link Explorer} at {@code /}.
 *
 * <p>Threading: stateless and {@link ChannelHandler.Sharable}; a scrape renders on the I/O thread
 * that received it, through the {@link Exposition}.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final Exposition exposition;
  private final BooleanSupplier ready;
  private final SessionsApi api;
  private final AdminGuard guard;
  private final SessionStream stream;
  private final Explorer explorer;
  private final ScrapeErrors scrapeErrors;

  /**
   * @param api the sessions API, or null when the collector runs without the agent model
   * @param apiToken the bearer token non-loopback API clients must send; empty: loopback only
   */
  AdminHandler(Exposition exposition, BooleanSupplier ready, SessionsApi api, String apiToken) {
    this(exposition, ready, api, localGuard(apiToken), null);
  }

  /** As the full constructor, with the guard of a loopback listener holding {@code apiToken}. */
  AdminHandler(
      Exposition exposition,
      BooleanSupplier ready,
      SessionsApi api,
      String apiToken,
      SessionStream stream) {
    this(exposition, ready, api, localGuard(apiToken), stream);
  }

  /** As the full constructor, without the event stream and the explorer. */
  AdminHandler(Exposition exposition, BooleanSupplier ready, SessionsApi api, AdminGuard guard) {
    this(exposition, ready, api, guard, null);
  }

  private static AdminGuard localGuard(String apiToken) {
    return new AdminGuard(
        "localhost",
        java.util.List.of(),
        apiToken.isEmpty() ? null : BearerTokens.inline(apiToken));
  }

  /**
   * @param api the sessions API, or null when the collector runs without the agent model
   * @param guard the API's token, {@code Host} and reload rules
   * @param stream the session event stream, or null (then the explorer is not served either)
   */
  AdminHandler(
      Exposition exposition,
      BooleanSupplier ready,
      SessionsApi api,
      AdminGuard guard,
      SessionStream stream) {
    this.exposition = exposition;
    this.ready = ready;
    this.api = api;
    this.guard = guard;
    this.stream = stream;
    this.explorer = stream == null ? null : new Explorer();
    this.scrapeErrors = new ScrapeErrors(exposition);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    boolean isStream = path.equals("/api/sessions/stream") && stream != null;
    boolean isPage = explorer != null && explorer.serves(path);
    if (isStream || isPage || SessionsApi.serves(path)) {
      String refusal = guardRefusal(req, path);
      if (refusal != null) {
        write(ctx, keepAlive, SessionsApi.error(HttpResponseStatus.FORBIDDEN, refusal));
        return;
      }
    }
    if (isPage) {
      write(ctx, keepAlive, page(ctx, req, path));
      return;
    }
    if (isStream) {
      if (!allowed(ctx, req)) {
        write(ctx, keepAlive, forbidden());
      } else if (!HttpMethod.GET.equals(req.method())) {
        write(ctx, keepAlive, SessionsApi.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET"));
      } else if (!stream.subscribe(ctx.channel())) {
        write(
            ctx,
            keepAlive,
            SessionsApi.error(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "admin.max_stream_subscribers readers are connected; try again later"));
      }
      return;
    }
    if (SessionsApi.serves(path)) {
      if (!allowed(ctx, req)) {
        write(ctx, keepAlive, forbidden());
      } else if (api == null) {
        write(ctx, keepAlive, SessionsApi.error(HttpResponseStatus.NOT_FOUND, "no sessions API"));
      } else {
        api.handle(req.method().name(), uri)
            .whenComplete(
                (r, e) ->
                    write(
                        ctx,
                        keepAlive,
                        r != null
                            ? r
                            : SessionsApi.error(
                                HttpResponseStatus.INTERNAL_SERVER_ERROR, String.valueOf(e))));
      }
      return;
    }
    if (isMetrics(path)) {
      metrics(ctx, req, keepAlive);
      return;
    }
    write(ctx, keepAlive, handle(req));
  }

  private static FullHttpResponse forbidden() {
    return SessionsApi.error(
        HttpResponseStatus.FORBIDDEN,
        "the sessions API answers loopback clients, or others with the bearer token of"
            + " admin.api_token (browsers: open /login once)");
  }

  /**
   * The explorer's files, and the token exchange for browsers, which cannot send a bearer header
   * from the address bar: {@code ?token=} on any page, or the form at {@code /login}, sets the
   * token in an HttpOnly cookie and redirects to {@code /} (so the token leaves the address bar).
   */
  private FullHttpResponse page(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
    boolean post = HttpMethod.POST.equals(req.method());
    if (!post && !HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method())) {
      return notAllowed();
    }
    String offered = null;
    if (post && path.equals("/login")) {
      offered =
          first(
              new QueryStringDecoder(req.content().toString(StandardCharsets.UTF_8), false)
                  .parameters(),
              "token");
    } else if (!post) {
      offered = first(new QueryStringDecoder(req.uri()).parameters(), "token");
    } else {
      return notAllowed();
    }
    if (offered != null) {
      return tokenMatches(offered)
          ? Explorer.acceptToken(offered)
          : explorer.file("/login", HttpResponseStatus.FORBIDDEN);
    }
    if (!path.equals("/") && !path.equals("/index.html")) {
      // The login form, the script and the style hold no data (that is behind /api): open to all.
      return explorer.file(path, HttpResponseStatus.OK);
    }
    return allowed(ctx, req)
        ? explorer.file(path, HttpResponseStatus.OK)
        : explorer.file("/login", HttpResponseStatus.UNAUTHORIZED);
  }

  private static String first(java.util.Map<String, java.util.List<String>> p, String name) {
    java.util.List<String> v = p.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static boolean isMetrics(String path) {
    return path.equals("/metrics");
  }

  /**
   * A scrape: rendered into one buffer first, so that a collector that throws is answered with a
   * 500 naming the failure (not a closed connection), and a response that cannot be written is
   * logged and counted rather than lost silently.
   */
  private void metrics(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
    boolean get = HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method());
    if (!get) {
      write(ctx, keepAlive, notAllowed());
      return;
    }
    Object remote = ctx.channel().remoteAddress();
    FullHttpResponse r;
    try {
      r = metrics(req);
    } catch (IOException | RuntimeException | OutOfMemoryError e) {
      scrapeErrors.failed("rendering", remote, e);
      r =
          OtlpHttpHandler.text(
              HttpResponseStatus.INTERNAL_SERVER_ERROR,
              "scrape failed while rendering: " + e + " (see the collector's log)");
    }
    HttpUtil.setKeepAlive(r, keepAlive);
    ctx.writeAndFlush(r)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    scrapeErrors.failed("writing the response", remote, f.cause());
                    f.channel().close();
                  } else if (!keepAlive) {
                    f.channel().close();
                  }
                });
  }

  /**
   * Loopback clients, or any client with the configured token: as a bearer header, or as the
   * explorer's cookie.
   */
  private boolean allowed(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote
        && remote.getAddress() != null
        && remote.getAddress().isLoopbackAddress()) {
      return true;
    }
    if (guard.tokenValid(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      return true;
    }
    String cookies = req.headers().get(HttpHeaderNames.COOKIE);
    if (cookies != null) {
      for (Cookie c : ServerCookieDecoder.LAX.decode(cookies)) {
        if (c.name().equals(Explorer.COOKIE)) {
          return tokenMatches(QueryStringDecoder.decodeComponent(c.value()));
        }
      }
    }
    return false;
  }

  /** Whether {@code given} is a configured API token (constant time, by {@link AdminGuard}). */
  private boolean tokenMatches(String given) {
    return guard.tokenValid("Bearer " + given);
  }

  /** Why {@link AdminGuard} refuses the request (foreign Host, form-style reload), or null. */
  private String guardRefusal(FullHttpRequest req, String path) {
    String host = req.headers().get(HttpHeaderNames.HOST);
    if (!guard.hostAllowed(host)) {
      return "Host '"
          + host
          + "' is not allowed: use an IP address or localhost, or list the name in"
          + " admin.allowed_hosts";
    }
    if (path.equals("/-/reload")
        && HttpMethod.POST.equals(req.method())
        && !guard.reloadAllowed(req)) {
      return "POST /-/reload needs the API token, a JSON content type or the header "
          + AdminGuard.RELOAD_HEADER
          + ": 1 (so a cross-site form cannot trigger it)";
    }
    return null;
  }

  private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
    HttpUtil.setKeepAlive(r, keepAlive);
    r.headers().set("X-Content-Type-Options", "nosniff");
    if (keepAlive) {
      ctx.writeAndFlush(r, ctx.voidPromise());
    } else {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private FullHttpResponse handle(FullHttpRequest req) throws IOException {
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    boolean get = HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method());
    switch (path) {
      case "/healthz":
        return get ? OtlpHttpHandler.text(HttpResponseStatus.OK, "ok") : notAllowed();
      case "/readyz":
        if (!get) {
          return notAllowed();
        }
        return ready.getAsBoolean()
            ? OtlpHttpHandler.text(HttpResponseStatus.OK, "ready")
            : OtlpHttpHandler.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready");
      default:
        return OtlpHttpHandler.text(
            HttpResponseStatus.NOT_FOUND,
            "not found: use /, /metrics, /healthz, /readyz or /api/...");
    }
  }

  private FullHttpResponse metrics(FullHttpRequest req) throws IOException {
    String contentType = exposition.contentType(req.headers().get(HttpHeaderNames.ACCEPT));
    byte[] body = exposition.render(contentType);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  private static FullHttpResponse notAllowed() {
    FullHttpResponse r =
        OtlpHttpHandler.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use GET");
    r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
    return r;
  }
}
