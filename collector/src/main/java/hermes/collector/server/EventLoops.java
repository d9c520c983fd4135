package hermes.collector.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Netty event loops shared by the HTTP listeners: one acceptor thread and one I/O thread per
 * core. Native epoll where the platform has it, NIO otherwise.
 *
 * <p>Threading: create once, share, {@link #shutdown} once.
 */
public final class EventLoops {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Class<? extends ServerChannel> serverChannel;

  /** Creates the loops with {@code ioThreads} I/O threads (0 = one per core). */
  public EventLoops(int ioThreads) {
    if (Epoll.isAvailable()) {
      boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      workers = new MultiThreadIoEventLoopGroup(ioThreads, EpollIoHandler.newFactory());
      serverChannel = EpollServerSocketChannel.class;
    } else {
      boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      workers = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
      serverChannel = NioServerSocketChannel.class;
    }
  }

  EventLoopGroup boss() {
    return boss;
  }

  EventLoopGroup workers() {
    return workers;
  }

  Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  /**
   * Lets queued I/O finish, closes every connection, and waits up to {@code timeout} for the
   * threads to end.
   */
  public void shutdown(Duration timeout) {
    long ms = Math.max(1, timeout.toMillis());
    boss.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(Math.min(100, ms), ms, TimeUnit.MILLISECONDS);
    boss.terminationFuture().awaitUninterruptibly(ms);
    workers.terminationFuture().awaitUninterruptibly(ms);
  }
}
