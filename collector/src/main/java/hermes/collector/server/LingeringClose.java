package hermes.collector.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Answers a request the server will not read to its end (a refusal before or during its body) and
 * closes the connection so that the client sees the status, not a reset: the response is flushed,
 * the sending side shut down (the client reads the status and then end of stream), and whatever the
 * client still sends is read and thrown away until it closes, for {@link #LINGER_MILLIS} at most.
 * Closing at once with unread bytes in the socket makes the kernel send a reset, which may destroy
 * the response before the client reads it (HTTP/1.1, RFC 9112 section 9.6).
 *
 * <p>Threading: call on the channel's event loop.
 */
final class LingeringClose {
  /** How long a refused client may keep sending before the connection is closed anyway. */
  static final long LINGER_MILLIS = 2_000;

  private static final String NAME = "linger";

  private LingeringClose() {}

  /** Sends {@code response} with {@code Connection: close}, then closes as described above. */
  static void respond(ChannelHandlerContext ctx, FullHttpResponse response) {
    HttpUtil.setKeepAlive(response, false);
    ctx.channel().attr(ConnectionErrors.CLOSED_BY_SERVER).set(Boolean.TRUE);
    if (ctx.pipeline().get(NAME) == null) {
      ctx.pipeline().addFirst(NAME, new Discard());
    }
    ctx.writeAndFlush(response)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() || !(f.channel() instanceof DuplexChannel duplex)) {
                    f.channel().close();
                    return;
                  }
                  duplex.shutdownOutput();
                  f.channel()
                      .eventLoop()
                      .schedule(
                          () -> {
                            f.channel().close();
                          },
                          LINGER_MILLIS,
                          TimeUnit.MILLISECONDS);
                });
  }

  /** Throws away everything read once a connection is being closed. */
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Nothing decoded anything: keep the timeouts and codecs after this handler out of it.
    }
  }
}
