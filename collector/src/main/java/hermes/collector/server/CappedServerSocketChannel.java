package hermes.collector.server;

import hermes.collector.logging.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OTLP/gRPC listening socket with a connection cap ({@code otlp.grpc.max_connections}): a
 * connection accepted while the cap is reached is closed at once, before gRPC sets it up, and
 * counted. grpc-java has no such bound of its own, and every idle connection holds a file
 * descriptor and HTTP/2 state.
 *
 * <p>Threading: accepts run on the listener's boss thread; the count is atomic because connections
 * close on worker threads.
 */
final class CappedServerSocketChannel extends NioServerSocketChannel {
  private final int maxConnections;
  private final AtomicInteger open;
  private final GrpcGuardInstrumentation metrics;
  private final RateLimitedLog log;

  CappedServerSocketChannel(
      int maxConnections,
      AtomicInteger open,
      GrpcGuardInstrumentation metrics,
      RateLimitedLog log) {
    this.maxConnections = maxConnections;
    this.open = open;
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  protected int doReadMessages(List<Object> buf) throws Exception {
    int first = buf.size();
    int accepted = super.doReadMessages(buf);
    for (int i = buf.size() - 1; i >= first; i--) {
      Channel child = (Channel) buf.get(i);
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        buf.remove(i);
        accepted--;
        child.unsafe().closeForcibly();
        metrics.connectionRefused();
        log.warn(
            "OTLP/gRPC: closed a new connection: otlp.grpc.max_connections ("
                + maxConnections
                + ") are open");
      } else {
        metrics.connection(1);
        child
            .closeFuture()
            .addListener(
                f -> {
                  open.decrementAndGet();
                  metrics.connection(-1);
                });
      }
    }
    return accepted;
  }
}
