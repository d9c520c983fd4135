package hermes.collector.server;

import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.OtlpResponses;
import hermes.collector.proto.OtlpResponses.Signal;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Bearer authentication of OTLP/HTTP requests ({@code otlp.auth.bearer_token_file}), checked on the
 * request head before any body byte is buffered: a request without a known token is answered 401
 * with {@code WWW-Authenticate: Bearer} and an OTLP {@code Status} (code 16, UNAUTHENTICATED) in
 * the request's encoding, its body is read and dropped, and it is counted in {@code
 * hermes_collector_requests_total{code="401"}}.
 *
 * <p>Threading: one instance per connection, on its I/O thread.
 */
final class OtlpAuthHandler extends ChannelInboundHandlerAdapter {
  private static final int CODE_UNAUTHENTICATED = 16;
  private static final String MESSAGE =
      "missing or unknown bearer token: send Authorization: Bearer <token>"
          + " (otlp.auth.bearer_token_file)";

  private final BearerTokens tokens;
  private final IngestInstrumentation metrics;
  private boolean discarding;

  OtlpAuthHandler(BearerTokens tokens, IngestInstrumentation metrics) {
    this.tokens = tokens;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      if (tokens.check(req.headers().get(HttpHeaderNames.AUTHORIZATION)) == null) {
        refuse(ctx, req);
        discarding = !(msg instanceof LastHttpContent); // a full request ends here
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

  private void refuse(ChannelHandlerContext ctx, HttpRequest req) {
    Encoding encoding = OtlpHttpHandler.encoding(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    FullHttpResponse r;
    if (encoding == null) {
      r = OtlpHttpHandler.text(HttpResponseStatus.UNAUTHORIZED, MESSAGE);
    } else {
      byte[] body =
          encoding == Encoding.JSON
              ? OtlpResponses.statusJson(CODE_UNAUTHENTICATED, MESSAGE)
              : OtlpResponses.statusProtobuf(CODE_UNAUTHENTICATED, MESSAGE);
      r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED, Unpooled.wrappedBuffer(body));
      r.headers()
          .set(
              HttpHeaderNames.CONTENT_TYPE,
              encoding == Encoding.JSON ? "application/json" : "application/x-protobuf")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    }
    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    Signal signal = signal(req.uri());
    if (signal != null) {
      metrics.request(Protocol.HTTP, signal, "401");
    }
    // A client that waits for "100 Continue" sends no body after a 401, so the codec would read
    // its next request as this body: such a connection is closed instead.
    boolean keepAlive = HttpUtil.isKeepAlive(req) && !HttpUtil.is100ContinueExpected(req);
    HttpUtil.setKeepAlive(r, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(r, ctx.voidPromise());
    } else {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static Signal signal(String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    return switch (path) {
      case "/v1/traces" -> Signal.TRACES;
      case "/v1/metrics" -> Signal.METRICS;
      case "/v1/logs" -> Signal.LOGS;
      default -> null;
    };
  }
}
