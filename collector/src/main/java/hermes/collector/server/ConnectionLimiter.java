package hermes.collector.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the open connections of one listener: past {@code max_connections} a new connection is
 * closed at once, before anything is read from it, and counted. Without a cap, idle or slow sockets
 * pile up until the process runs out of file descriptors and every listener fails.
 *
 * <p>Threading: one instance per channel, first in its pipeline, used on its event loop; the {@link
 * Count} is shared by the listener's channels.
 */
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  /** The open connections of one listener and their cap. Threading: lock-free. */
  static final class Count {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final ListenerInstrumentation.Listener metrics;

    Count(int max, ListenerInstrumentation.Listener metrics) {
      this.max = max;
      this.metrics = metrics;
    }

    private boolean tryOpen() {
      while (true) {
        int now = open.get();
        if (now >= max) {
          return false;
        }
        if (open.compareAndSet(now, now + 1)) {
          metrics.opened();
          return true;
        }
      }
    }

    private void close() {
      open.decrementAndGet();
      metrics.closed();
    }
  }

  private final Count count;
  private boolean admitted;

  ConnectionLimiter(Count count) {
    this.count = count;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (count.tryOpen()) {
      admitted = true;
      super.channelActive(ctx);
    } else {
      // Not propagated: the handlers after this one never start their timers for this channel.
      count.metrics.refused();
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (admitted) {
      admitted = false;
      count.close();
    }
    super.channelInactive(ctx);
  }
}
