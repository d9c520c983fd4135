package hermes.collector.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** The admin pipeline: HTTP/1.1 codec, small bodies only, the admin handler. */
final class AdminInitializer extends ChannelInitializer<SocketChannel> {
  private static final int MAX_BODY = 64 * 1024;
  private final AdminHandler handler;
  private final Security security;

  AdminInitializer(AdminHandler handler, Security security) {
    this.handler = handler;
    this.security = security;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("http", new HttpServerCodec());
    p.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
    p.addLast("admin", handler);
    security.installAdmin(p); // TLS first
  }
}
