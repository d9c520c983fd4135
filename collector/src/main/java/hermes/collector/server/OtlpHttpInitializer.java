package hermes.collector.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The OTLP/HTTP pipeline, one handler per job: the connection cap, the HTTP/1.1 codec, the
 * connection timeouts, the request check (malformed HTTP, declared length over the limit), the
 * in-flight byte budget, bounded body aggregation, the OTLP handler, and the handler of last resort
 * for exceptions.
 */
final class OtlpHttpInitializer extends ChannelInitializer<SocketChannel> {
  private final OtlpHttpHandler handler;
  private final int maxBodyBytes;
  private final InFlightLimiter.Budget budget;
  private final HttpListenerLimits limits;
  private final Security security;
  private final hermes.collector.ingest.IngestInstrumentation metrics;

  OtlpHttpInitializer(
      OtlpHttpHandler handler,
      int maxBodyBytes,
      InFlightLimiter.Budget budget,
      HttpListenerLimits limits,
      Security security,
      hermes.collector.ingest.IngestInstrumentation metrics) {
    this.handler = handler;
    this.maxBodyBytes = maxBodyBytes;
    this.budget = budget;
    this.limits = limits;
    this.security = security;
    this.metrics = metrics;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("connections", limits.connectionLimiter());
    p.addLast("http", new HttpServerCodec());
    p.addLast("timeouts", limits.timeouts());
    p.addLast(
        "check",
        new RequestCheck(
            maxBodyBytes, req -> handler.tooLarge(req, maxBodyBytes), limits.metrics()));
    p.addLast("inflight", new InFlightLimiter(budget, handler::overloaded));
    p.addLast("aggregate", new BodyLimitAggregator(maxBodyBytes, handler));
    p.addLast("otlp", handler);
    p.addLast("errors", limits.errors());
    security.installOtlpHttp(p, metrics); // TLS first, CORS and auth after the codec
  }
}
