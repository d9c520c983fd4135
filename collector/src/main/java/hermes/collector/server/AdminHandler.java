package hermes.collector.server;

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
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BooleanSupplier;

/**
 * The admin port: {@code GET /metrics} (Prometheus text, or OpenMetrics when the scrape's {@code
 * Accept} asks for it), {@code GET /healthz} (the process is up), {@code GET /readyz} (every
 * listener is bound and the collector is not shutting down), and the {@link SessionsApi} for
 * loopback clients or holders of the API token.
 *
 * <p>Threading: stateless and {@link ChannelHandler.Sharable}; a scrape renders on the I/O thread
 * that received it, reading the registry's lock-free collectors.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final CollectorRegistry registry;
  private final BooleanSupplier ready;
  private final SessionsApi api;
  private final byte[] apiToken;
  private final ScrapeErrors scrapeErrors;

  /**
   * @param api the sessions API, or null when the collector runs without the agent model
   * @param apiToken the bearer token non-loopback API clients must send; empty: loopback only
   */
  AdminHandler(
      CollectorRegistry registry, BooleanSupplier ready, SessionsApi api, String apiToken) {
    this.registry = registry;
    this.ready = ready;
    this.api = api;
    this.apiToken = apiToken.getBytes(StandardCharsets.UTF_8);
    this.scrapeErrors = new ScrapeErrors().register(registry);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (SessionsApi.serves(path)) {
      if (!allowed(ctx, req)) {
        write(
            ctx,
            keepAlive,
            SessionsApi.error(
                HttpResponseStatus.FORBIDDEN,
                "the sessions API answers loopback clients, or others with the bearer token of"
                    + " admin.api_token"));
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

  /** Loopback clients, or any client with the configured bearer token. */
  private boolean allowed(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote
        && remote.getAddress() != null
        && remote.getAddress().isLoopbackAddress()) {
      return true;
    }
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (apiToken.length == 0 || auth == null || !auth.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = auth.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, apiToken); // constant time
  }

  private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
    HttpUtil.setKeepAlive(r, keepAlive);
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
            HttpResponseStatus.NOT_FOUND, "not found: use /metrics, /healthz or /readyz");
    }
  }

  private FullHttpResponse metrics(FullHttpRequest req) throws IOException {
    String contentType = TextFormat.chooseContentType(req.headers().get(HttpHeaderNames.ACCEPT));
    var out = new java.io.ByteArrayOutputStream(16 * 1024);
    try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      TextFormat.writeFormat(contentType, w, registry.metricFamilySamples());
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(out.toByteArray()));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, out.size());
    return r;
  }

  private static FullHttpResponse notAllowed() {
    FullHttpResponse r =
        OtlpHttpHandler.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use GET");
    r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
    return r;
  }
}
