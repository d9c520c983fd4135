package hermes.collector.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's aggregator with the OTLP answer for a body over the limit: 413 with a {@code
 * google.rpc.Status} naming the limit, counted like every other response. The connection stays open
 * when the client can still be read past the body (keep-alive with a declared length or {@code
 * Expect: 100-continue}), as Netty's own handling does.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {
  private final OtlpHttpHandler handler;

  BodyLimitAggregator(int maxContentLength, OtlpHttpHandler handler) {
    super(maxContentLength);
    this.handler = handler;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (!(oversized instanceof HttpRequest request)) {
      ctx.close();
      return;
    }
    FullHttpResponse response = handler.tooLarge(request, maxContentLength());
    boolean close =
        oversized instanceof FullHttpMessage
            || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
    HttpUtil.setKeepAlive(response, !close);
    if (close) {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }
}
