package hermes.collector.server;

import hermes.collector.config.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One bound Netty listening socket with its pipeline initializer: the "server" of each
 * server/initializer/handler trio (OTLP/HTTP, admin).
 *
 * <p>Threading: bind and close from any thread; closing stops accepting, open connections stay with
 * the event loops until they shut down.
 */
public final class HttpListener implements AutoCloseable {
  private final String name;
  private final Channel channel;

  private HttpListener(String name, Channel channel) {
    this.name = name;
    this.channel = channel;
  }

  /**
   * Binds {@code endpoint}.
   *
   * @throws IOException naming the listener and the address when the bind fails
   */
  public static HttpListener bind(
      String name, Endpoint endpoint, EventLoops loops, ChannelInitializer<SocketChannel> init)
      throws IOException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(loops.boss(), loops.workers())
            .channel(loops.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(init);
    ChannelFuture bound = b.bind(endpoint.toSocketAddress()).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      throw new IOException(
          name + ": cannot listen on " + endpoint + ": " + cause.getMessage(), cause);
    }
    return new HttpListener(name, bound.channel());
  }

  /** The bound address (with the real port when the endpoint asked for port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** The listener's name, for logs. */
  public String name() {
    return name;
  }

  /** Stops accepting connections. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
