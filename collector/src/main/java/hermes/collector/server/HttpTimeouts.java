package hermes.collector.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that holds the listener without making progress: a request head not complete
 * within the header timeout from its first byte (slowloris), a request body with no byte for the
 * body timeout (a stalled upload, which also gives back its in-flight reservation), and a
 * keep-alive connection with no request for the idle timeout. Each close is counted by phase. A
 * request being handled, or a response being written, has no timeout here.
 *
 * <p>Sits right after the HTTP codec: it sees decoded messages, and the codec passes on every
 * {@code channelReadComplete}, so bytes that decoded to nothing yet (a partial head, a partial
 * chunk line) still count as activity.
 *
 * <p>Threading: one instance per channel, used on its event loop only. The per-read cost is a clock
 * read and a field store; a periodic check per connection (a quarter of the shortest timeout, at
 * most every second) does the closing.
 */
final class HttpTimeouts extends ChannelDuplexHandler {
  /** The timeouts of one listener. */
  record Limits(Duration header, Duration body, Duration idle) {
    long tickNanos() {
      long shortest = Math.min(header.toNanos(), Math.min(body.toNanos(), idle.toNanos()));
      return Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(1_000_000_000L, shortest / 4));
    }
  }

  private enum State {
    WAITING,
    HEAD,
    BODY,
    HANDLING
  }

  private final long headerNanos;
  private final long bodyNanos;
  private final long idleNanos;
  private final long tickNanos;
  private final ListenerInstrumentation.Listener metrics;
  private State state = State.WAITING;
  private long since; // WAITING: idle since; HEAD: first byte; BODY: last progress
  private boolean decoded; // a message was decoded since the last channelReadComplete
  private ScheduledFuture<?> tick;

  HttpTimeouts(Limits limits, ListenerInstrumentation.Listener metrics) {
    this.headerNanos = limits.header().toNanos();
    this.bodyNanos = limits.body().toNanos();
    this.idleNanos = limits.idle().toNanos();
    this.tickNanos = limits.tickNanos();
    this.metrics = metrics;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    since = System.nanoTime();
    tick =
        ctx.executor()
            .scheduleAtFixedRate(() -> check(ctx), tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    decoded = true;
    if (msg instanceof HttpRequest) {
      state = State.BODY;
      since = System.nanoTime();
    }
    if (msg instanceof LastHttpContent) {
      state = State.HANDLING;
    } else if (msg instanceof HttpContent) {
      since = System.nanoTime();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    if (state == State.BODY) {
      since = System.nanoTime(); // bytes arrived, even if they decoded to no content yet
    } else if (state == State.WAITING && !decoded) {
      state = State.HEAD; // the first bytes of a request head: its deadline starts now
      since = System.nanoTime();
    }
    decoded = false;
    super.channelReadComplete(ctx);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    // The end of a response after the whole request was read: the connection waits for the next
    // one. (A 100 Continue or an early refusal, written while the body is still coming, is not.)
    if (msg instanceof LastHttpContent && state == State.HANDLING) {
      state = State.WAITING;
      since = System.nanoTime();
    }
    super.write(ctx, msg, promise);
  }

  private void check(ChannelHandlerContext ctx) {
    long waited = System.nanoTime() - since;
    ListenerInstrumentation.Phase expired =
        switch (state) {
          case WAITING -> waited >= idleNanos ? ListenerInstrumentation.Phase.IDLE : null;
          case HEAD -> waited >= headerNanos ? ListenerInstrumentation.Phase.HEADER : null;
          case BODY -> waited >= bodyNanos ? ListenerInstrumentation.Phase.BODY : null;
          case HANDLING -> null;
        };
    if (expired != null && ctx.channel().isOpen()) {
      metrics.timedOut(expired);
      ctx.channel().attr(ConnectionErrors.CLOSED_BY_SERVER).set(Boolean.TRUE);
      stop();
      ctx.close();
    }
  }

  private void stop() {
    if (tick != null) {
      tick.cancel(false);
      tick = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stop();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }
}
