package hermes.collector.server;

import hermes.collector.logging.RateLimitedLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.util.AttributeKey;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an HTTP pipeline: an exception that reached it ends that connection only, and
 * is counted ({@code hermes_collector_connection_errors_total}) and logged at most once per {@link
 * #LOG_EVERY_NANOS} per kind, with the number of others since, so a flood of resets cannot flood
 * the log.
 *
 * <p>Threading: {@link ChannelHandler.Sharable}, one per listener; the log limit is lock-free.
 */
@ChannelHandler.Sharable
final class ConnectionErrors extends ChannelInboundHandlerAdapter {
  static final long LOG_EVERY_NANOS = 10_000_000_000L;

  /**
   * Set on a channel the server closes on purpose (a refusal, a timeout, an error already counted):
   * the aggregator's note that the channel closed in the middle of a request is then no further
   * error.
   */
  static final AttributeKey<Boolean> CLOSED_BY_SERVER =
      AttributeKey.valueOf(ConnectionErrors.class, "closedByServer");

  private static final Logger log = LoggerFactory.getLogger(ConnectionErrors.class);

  private final ListenerInstrumentation.Listener metrics;
  private final RateLimitedLog[] gates =
      new RateLimitedLog[ListenerInstrumentation.ErrorKind.values().length];

  ConnectionErrors(ListenerInstrumentation.Listener metrics) {
    this.metrics = metrics;
    for (int i = 0; i < gates.length; i++) {
      gates[i] = new RateLimitedLog(log, LOG_EVERY_NANOS); // one line per kind per interval
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof PrematureChannelClosureException
        && Boolean.TRUE.equals(ctx.channel().attr(CLOSED_BY_SERVER).get())) {
      return; // counted as what it is (a refusal, a timeout, an error), not as a further error
    }
    ListenerInstrumentation.ErrorKind kind =
        cause instanceof IOException || cause instanceof PrematureChannelClosureException
            ? ListenerInstrumentation.ErrorKind.IO
            : cause instanceof DecoderException
                ? ListenerInstrumentation.ErrorKind.DECODER
                : ListenerInstrumentation.ErrorKind.OTHER;
    metrics.error(kind);
    long others = gates[kind.ordinal()].admit();
    if (others >= 0) {
      String message = "{}: closing a connection from {} after an error ({}): {}{}";
      String more = others == 0 ? "" : " (" + others + " more like it since, not logged)";
      Object remote = ctx.channel().remoteAddress();
      if (kind == ListenerInstrumentation.ErrorKind.OTHER) {
        // Not a client's doing: the stack trace is worth having.
        log.warn(message, metrics.name(), remote, kind.label(), cause, more, cause);
      } else {
        log.info(message, metrics.name(), remote, kind.label(), cause, more);
      }
    }
    ctx.channel().attr(CLOSED_BY_SERVER).set(Boolean.TRUE); // one error, counted once
    ctx.close();
  }
}
