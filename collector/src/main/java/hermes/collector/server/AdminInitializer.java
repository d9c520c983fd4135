package hermes.collector.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The admin pipeline: the connection cap, HTTP/1.1 codec, the connection timeouts, the request
 * check, small bodies only, the admin handler, the handler of last resort for exceptions.
 */
final class AdminInitializer extends ChannelInitializer<SocketChannel> {
  private static final int MAX_BODY = 64 * 1024;
  private final AdminHandler handler;
  private final HttpListenerLimits limits;
  private final Security security;

  AdminInitializer(AdminHandler handler, HttpListenerLimits limits, Security security) {
    this.handler = handler;
    this.limits = limits;
    this.security = security;
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
            MAX_BODY,
            req ->
                OtlpHttpHandler.text(
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body exceeds " + MAX_BODY + " bytes"),
            limits.metrics()));
    p.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
    p.addLast("admin", handler);
    p.addLast("errors", limits.errors());
    security.installAdmin(p); // TLS first
  }
}
