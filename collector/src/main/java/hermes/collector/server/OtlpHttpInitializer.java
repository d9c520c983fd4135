package hermes.collector.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The OTLP/HTTP pipeline: HTTP/1.1 codec, the in-flight byte budget, bounded body aggregation, the
 * OTLP handler.
 */
final class OtlpHttpInitializer extends ChannelInitializer<SocketChannel> {
  private final OtlpHttpHandler handler;
  private final int maxBodyBytes;
  private final InFlightLimiter.Budget budget;

  OtlpHttpInitializer(OtlpHttpHandler handler, int maxBodyBytes, InFlightLimiter.Budget budget) {
    this.handler = handler;
    this.maxBodyBytes = maxBodyBytes;
    this.budget = budget;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("http", new HttpServerCodec());
    p.addLast("inflight", new InFlightLimiter(budget, handler::overloaded));
    p.addLast("aggregate", new BodyLimitAggregator(maxBodyBytes, handler));
    p.addLast("otlp", handler);
  }
}
