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
  private final Security security;
  private final hermes.collector.ingest.IngestMetrics metrics;

  OtlpHttpInitializer(
      OtlpHttpHandler handler,
      int maxBodyBytes,
      InFlightLimiter.Budget budget,
      Security security,
      hermes.collector.ingest.IngestMetrics metrics) {
    this.handler = handler;
    this.maxBodyBytes = maxBodyBytes;
    this.budget = budget;
    this.security = security;
    this.metrics = metrics;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("http", new HttpServerCodec());
    p.addLast("inflight", new InFlightLimiter(budget, handler::overloaded));
    p.addLast("aggregate", new BodyLimitAggregator(maxBodyBytes, handler));
    p.addLast("otlp", handler);
    security.installOtlpHttp(p, metrics); // TLS first, CORS and auth after the codec
  }
}
