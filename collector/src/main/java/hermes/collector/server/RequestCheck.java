package hermes.collector.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.function.Function;

/**
 * Refuses a request from its head, before anything is reserved or buffered for it: one that is not
 * valid HTTP/1.1 (what Netty's decoder flagged: request line, headers, chunk framing; a {@code
 * Content-Length} that is not one plain decimal number, RFC 9110 section 8.6; a {@code
 * Transfer-Encoding} other than {@code chunked}) gets 400, and one that declares a body over the
 * limit gets the listener's 413. Either way the connection is closed after the answer ({@link
 * LingeringClose}): the rest of what the client sends cannot be trusted to frame a next request.
 * Malformed requests are counted in {@code hermes_collector_http_malformed_requests_total}.
 *
 * <p>Threading: one instance per channel, right after the codec and its timeouts, used on its event
 * loop.
 */
final class RequestCheck extends ChannelInboundHandlerAdapter {
  /** A long has at most 19 digits; a longer or larger number is refused as malformed. */
  private static final int MAX_DIGITS = 19;

  private static final int MAX_REASON = 200;

  private final long maxBodyBytes;
  private final Function<HttpRequest, FullHttpResponse> tooLarge;
  private final ListenerInstrumentation.Listener metrics;
  private boolean refusing;

  /**
   * @param maxBodyBytes the largest declared body accepted
   * @param tooLarge the listener's 413 for a request
   */
  RequestCheck(
      long maxBodyBytes,
      Function<HttpRequest, FullHttpResponse> tooLarge,
      ListenerInstrumentation.Listener metrics) {
    this.maxBodyBytes = maxBodyBytes;
    this.tooLarge = tooLarge;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refusing) {
      ReferenceCountUtil.release(msg); // the rest of a refused request; the channel is closing
      return;
    }
    if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
      Throwable cause = o.decoderResult().cause();
      malformed(ctx, msg, cause == null ? "undecodable" : String.valueOf(cause.getMessage()));
      return;
    }
    if (msg instanceof HttpRequest req) {
      String te = req.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
      if (te != null && !te.strip().equalsIgnoreCase("chunked")) {
        // Netty frames any value containing "chunked" as chunked and anything else as no body,
        // where the sender meant one: the body would be read as the next request.
        malformed(ctx, msg, "Transfer-Encoding '" + te + "' is not chunked");
        return;
      }
      long declared = declaredLength(req);
      if (declared == -2) {
        malformed(ctx, msg, "Content-Length is not one non-negative decimal number");
        return;
      }
      if (declared > maxBodyBytes) {
        refusing = true;
        FullHttpResponse response = tooLarge.apply(req);
        ReferenceCountUtil.release(msg);
        LingeringClose.respond(ctx, response);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void malformed(ChannelHandlerContext ctx, Object msg, String reason) {
    refusing = true;
    metrics.malformed();
    ReferenceCountUtil.release(msg);
    String cut = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "..." : reason;
    LingeringClose.respond(
        ctx,
        OtlpHttpHandler.text(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cut));
  }

  /**
   * The declared body length: -1 when there is none (chunked, or no body), -2 when the header is
   * not valid (letters, signs, exponents, too many digits, several different values), else the
   * value.
   */
  static long declaredLength(HttpRequest req) {
    List<String> values = req.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
    long length = -1;
    for (String value : values) {
      // "5, 5" is allowed (RFC 9110: a list of one repeated value); "5, 6" is not
      for (String part : value.split(",", -1)) {
        long n = parse(part.strip());
        if (n < 0 || (length >= 0 && n != length)) {
          return -2;
        }
        length = n;
      }
    }
    return length;
  }

  private static long parse(String s) {
    int len = s.length();
    int start = 0;
    while (start < len - 1 && s.charAt(start) == '0') {
      start++; // leading zeros do not make a number larger
    }
    if (len == 0 || len - start > MAX_DIGITS) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      if (n > (Long.MAX_VALUE - (c - '0')) / 10) {
        return -1; // past Long.MAX_VALUE: checked before the arithmetic, which cannot overflow
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
