package hermes.collector.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Bounds the bytes of OTLP/HTTP request bodies being received or handled, over all connections. A
 * body is aggregated whole before it is decoded, so without a bound many clients at once could fill
 * the heap. A request is reserved by its {@code Content-Length} when its headers arrive (a chunked
 * one chunk by chunk); when the reservation does not fit, the request is answered 503 with {@code
 * Retry-After} (the OTel SDKs retry) and the connection closed ({@link LingeringClose}), before its
 * body is read. Released when the request has been handled (a trace export whose answer waits for
 * the forward spool: when the write is done), or when its connection closes (a stalled body is
 * closed by {@link HttpTimeouts}). A declared length over the request limit never gets here: {@link
 * RequestCheck} refuses it first, so a reservation is at most that limit.
 *
 * <p>Threading: one instance per channel, used on its event loop; the {@link Budget} is shared.
 */
final class InFlightLimiter extends ChannelInboundHandlerAdapter {
  /** The shared budget; its use is visible as {@code hermes_collector_http_inflight_bytes}. */
  static final class Budget {
    private final long max;
    private final AtomicLong used = new AtomicLong();
    private final LongConsumer changed;

    /** A budget of {@code max} bytes; {@code changed} hears every change of use (a gauge). */
    Budget(long max, LongConsumer changed) {
      this.max = max;
      this.changed = changed;
    }

    /** Takes {@code n} bytes; a request alone always fits, so one larger than the budget works. */
    boolean tryReserve(long n) {
      while (true) {
        long now = used.get();
        // n > max - now, not now + n > max: n comes from a client and must not overflow the sum
        if (now > 0 && n > max - now) {
          return false;
        }
        if (used.compareAndSet(now, now + n)) {
          changed.accept(n);
          return true;
        }
      }
    }

    void release(long n) {
      if (n != 0) {
        used.addAndGet(-n);
        changed.accept(-n);
      }
    }
  }

  private final Budget budget;
  private final Function<HttpRequest, FullHttpResponse> overloaded;
  private HttpRequest current;
  private boolean declared; // the current request's length was reserved with its headers
  private long reserved;
  private boolean refusing;

  InFlightLimiter(Budget budget, Function<HttpRequest, FullHttpResponse> overloaded) {
    this.budget = budget;
    this.overloaded = overloaded;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refusing) {
      ReferenceCountUtil.release(msg); // the rest of a refused request; the channel is closing
      return;
    }
    if (msg instanceof HttpRequest req) {
      current = req;
      long length = HttpUtil.getContentLength(req, -1L);
      declared = length >= 0;
      if (declared && !reserve(ctx, length, msg)) {
        return;
      }
    }
    if (msg instanceof HttpContent c
        && !declared
        && !reserve(ctx, c.content().readableBytes(), msg)) {
      return;
    }
    boolean last = msg instanceof LastHttpContent;
    ctx.fireChannelRead(msg);
    if (last) {
      // The aggregator and the OTLP handler ran within fireChannelRead: the body is handled,
      // unless its answer waits for the forward spool's write, which still holds its bytes.
      java.util.concurrent.CompletableFuture<?> writing =
          ctx.channel().attr(OtlpHttpHandler.WRITING).getAndSet(null);
      if (writing == null) {
        releaseAll();
      } else {
        long held = reserved;
        reserved = 0;
        writing.whenComplete((r, e) -> budget.release(held));
      }
    }
  }

  private boolean reserve(ChannelHandlerContext ctx, long n, Object msg) {
    if (budget.tryReserve(n)) {
      reserved += n;
      return true;
    }
    refusing = true;
    ReferenceCountUtil.release(msg);
    releaseAll();
    LingeringClose.respond(ctx, overloaded.apply(current));
    return false;
  }

  private void releaseAll() {
    budget.release(reserved);
    reserved = 0;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    releaseAll();
    super.channelInactive(ctx);
  }
}
