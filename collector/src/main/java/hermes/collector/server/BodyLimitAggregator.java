package hermes.collector.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Netty's aggregator with the OTLP answer for a body over the limit: 413 with a {@code
 * google.rpc.Status} naming the limit, counted like every other response, then the connection
 * closed ({@link LingeringClose}, so the client reads the 413 rather than a reset). Only a chunked
 * body gets here: a declared length over the limit is refused by {@link RequestCheck} first. The
 * connection is not kept: reading an unbounded chunked body to its end only to stay connected would
 * let one client hold an I/O thread and its in-flight reservation.
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
    LingeringClose.respond(ctx, handler.tooLarge(request, maxContentLength()));
  }
}
