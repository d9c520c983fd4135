package hermes.collector.server;

import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.OtlpResponses;
import hermes.collector.proto.OtlpResponses.Signal;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Answers OTLP/HTTP export requests ({@code POST /v1/traces}, {@code /v1/metrics}, {@code
 * /v1/logs}): frames the body (content type, gzip, size after decompression), hands it to {@link
 * Ingest}, and maps the outcome to the OTLP/HTTP status codes. The answer is in the request's
 * content type: an {@code Export*ServiceResponse} on success (with {@code partial_success} when
 * spans were rejected), a {@code google.rpc.Status} on failure.
 *
 * <p>Threading: {@link ChannelHandler.Sharable}; runs on the I/O threads, where the whole request
 * is decoded without blocking. A trace export that waits for the forward spool's write is answered
 * when that completes, from the channel's event loop, in request order (a connection's answers not
 * written yet live in a channel attribute, touched on its event loop only). Exceptions go on to
 * {@link ConnectionErrors}.
 */
@ChannelHandler.Sharable
final class OtlpHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";

  private final Ingest ingest;
  private final int maxBodyBytes;
  private final String retryAfterSeconds;

  OtlpHttpHandler(Ingest ingest, int maxBodyBytes, int retryAfterSeconds) {
    this.ingest = ingest;
    this.maxBodyBytes = maxBodyBytes;
    this.retryAfterSeconds = Integer.toString(retryAfterSeconds);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
    CompletableFuture<FullHttpResponse> later = null;
    FullHttpResponse now;
    Signal signal = signal(req);
    Encoding encoding = encoding(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    if (signal == Signal.TRACES
        && encoding != null
        && HttpMethod.POST.equals(req.method())
        && req.decoderResult().isSuccess()) {
      now = null;
      later = traces(req, encoding);
      if (later.isDone()) {
        now = later.join(); // no spool: answered at once, as the other signals
        later = null;
      }
    } else {
      now = handle(req);
    }
    PendingAnswers pending = ctx.channel().attr(PENDING).get();
    if (later == null && (pending == null || pending.isEmpty())) {
      write(ctx, now, keepAlive);
      return;
    }
    // Answers go out in request order (HTTP/1.1 pipelining), so one that waits for the spool
    // holds back those behind it; the connection reads no more until it is written.
    if (pending == null) {
      pending = new PendingAnswers();
      ctx.channel().attr(PENDING).set(pending);
    }
    PendingAnswers.Slot slot = pending.add(keepAlive);
    if (later == null) {
      slot.response = now;
      pending.flush(ctx);
      return;
    }
    ctx.channel().config().setAutoRead(false);
    ctx.channel().attr(WRITING).set(later); // the in-flight bytes stay reserved until it is done
    PendingAnswers answers = pending;
    later.whenComplete(
        (r, e) ->
            ctx.executor()
                .execute(
                    () -> {
                      // traces() maps every outcome to an answer; a bug must not stall the line
                      slot.response =
                          r != null
                              ? r
                              : text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
                      answers.flush(ctx);
                    }));
  }

  private static void write(
      ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static final AttributeKey<PendingAnswers> PENDING =
      AttributeKey.valueOf(OtlpHttpHandler.class, "pending");

  /**
   * The spool write the request just handled waits for, if any: the {@link InFlightLimiter} keeps
   * its bytes reserved until the write is done. Set and taken on the channel's event loop.
   */
  static final AttributeKey<CompletableFuture<?>> WRITING =
      AttributeKey.valueOf(OtlpHttpHandler.class, "writing");

  /**
   * The answers of one connection not written yet, in request order. Threading: the channel's event
   * loop only.
   */
  private static final class PendingAnswers {
    static final class Slot {
      final boolean keepAlive;
      FullHttpResponse response; // null until the answer is known

      Slot(boolean keepAlive) {
        this.keepAlive = keepAlive;
      }
    }

    private final ArrayDeque<Slot> slots = new ArrayDeque<>(2);

    boolean isEmpty() {
      return slots.isEmpty();
    }

    Slot add(boolean keepAlive) {
      Slot s = new Slot(keepAlive);
      slots.add(s);
      return s;
    }

    /** Writes the answers that are known, in order; reads again once none waits. */
    void flush(ChannelHandlerContext ctx) {
      while (!slots.isEmpty() && slots.peekFirst().response != null) {
        Slot s = slots.pollFirst();
        if (ctx.channel().isActive()) {
          write(ctx, s.response, s.keepAlive);
        } else {
          ReferenceCountUtil.release(s.response);
        }
      }
      if (slots.isEmpty() && ctx.channel().isActive()) {
        ctx.channel().config().setAutoRead(true);
      }
    }
  }

  /**
   * A trace export: validated and framed here, then ingested; the answer is known when the request
   * is durable (at once without a forward spool).
   */
  private CompletableFuture<FullHttpResponse> traces(FullHttpRequest req, Encoding encoding) {
    byte[] body;
    try {
      body = body(req);
    } catch (UnsupportedEncodingException | BoundedGunzip.TooLargeException | IOException e) {
      return CompletableFuture.completedFuture(handle(req)); // the same refusals as every signal
    }
    try {
      return ingest
          .tracesAsync(body, encoding, Protocol.HTTP)
          .handle(
              (result, failure) ->
                  failure == null
                      ? exported(Signal.TRACES, encoding, result)
                      : unavailable(Signal.TRACES, encoding, Ingest.unwrap(failure)));
    } catch (MalformedOtlpException e) {
      return CompletableFuture.completedFuture(malformed(Signal.TRACES, encoding, e));
    } catch (PipelineFullException e) {
      return CompletableFuture.completedFuture(unavailable(Signal.TRACES, encoding, e));
    }
  }

  private FullHttpResponse exported(Signal signal, Encoding encoding, ExportResult result) {
    byte[] out =
        encoding == Encoding.JSON
            ? OtlpResponses.exportJson(signal, result.rejected(), result.message())
            : OtlpResponses.exportProtobuf(result.rejected(), result.message());
    return answered(signal, response(HttpResponseStatus.OK, encoding, out));
  }

  private FullHttpResponse malformed(Signal signal, Encoding encoding, MalformedOtlpException e) {
    return answered(
        signal,
        status(
            HttpResponseStatus.BAD_REQUEST,
            encoding,
            OtlpResponses.CODE_INVALID_ARGUMENT,
            e.getMessage()));
  }

  private FullHttpResponse unavailable(Signal signal, Encoding encoding, PipelineFullException e) {
    FullHttpResponse r =
        status(
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            encoding,
            OtlpResponses.CODE_UNAVAILABLE,
            e.getMessage());
    r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    return answered(signal, r);
  }

  private FullHttpResponse handle(FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) { // RequestCheck answers these first; kept as a guard
      return text(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
    }
    Signal signal = signal(req);
    if (signal == null) {
      return text(
          HttpResponseStatus.NOT_FOUND, "not found: use /v1/traces, /v1/metrics or /v1/logs");
    }
    if (!HttpMethod.POST.equals(req.method())) {
      FullHttpResponse r =
          answered(
              signal, text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: use POST"));
      r.headers().set(HttpHeaderNames.ALLOW, "POST");
      return r;
    }
    Encoding encoding = encoding(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    if (encoding == null) {
      return answered(
          signal,
          text(
              HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
              "unsupported content type '"
                  + req.headers().get(HttpHeaderNames.CONTENT_TYPE, "")
                  + "': use application/x-protobuf or application/json"));
    }
    byte[] body;
    try {
      body = body(req);
    } catch (UnsupportedEncodingException e) {
      // Every 415 is plain text: an unknown content type has no encoding to answer in, so one
      // format for all of them (README, "Refusals").
      return answered(signal, text(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, e.getMessage()));
    } catch (BoundedGunzip.TooLargeException e) {
      return answered(
          signal,
          status(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              encoding,
              OtlpResponses.CODE_RESOURCE_EXHAUSTED,
              e.getMessage()));
    } catch (IOException e) {
      ingest.metrics().decodeError(Protocol.HTTP, signal, encoding);
      return answered(
          signal,
          status(
              HttpResponseStatus.BAD_REQUEST,
              encoding,
              OtlpResponses.CODE_INVALID_ARGUMENT,
              "Malformed: invalid gzip body: " + e.getMessage()));
    }
    try {
      ExportResult result =
          switch (signal) {
            case TRACES -> throw new IllegalStateException("traces are answered by traces()");
            case METRICS -> ingest.metrics(body, encoding, Protocol.HTTP);
            case LOGS -> ingest.logs(body, encoding, Protocol.HTTP);
          };
      return exported(signal, encoding, result);
    } catch (MalformedOtlpException e) {
      return malformed(signal, encoding, e);
    }
  }

  /**
   * The 503 for a request refused before its body is read, because the bodies in flight fill {@code
   * otlp.http.max_inflight_bytes} (called by the {@link InFlightLimiter}).
   */
  FullHttpResponse overloaded(HttpRequest req) {
    Encoding encoding = encoding(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    String message = "too many request bytes in flight (otlp.http.max_inflight_bytes), retry later";
    FullHttpResponse r =
        encoding == null
            ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, message)
            : status(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                encoding,
                OtlpResponses.CODE_UNAVAILABLE,
                message);
    r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    Signal signal = signal(req);
    return signal == null ? r : answered(signal, r);
  }

  /** The 413 for a body over the limit before decompression (called by the aggregator). */
  FullHttpResponse tooLarge(HttpRequest req, int limit) {
    Encoding encoding = encoding(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    String message = "request body exceeds " + limit + " bytes";
    FullHttpResponse r =
        encoding == null
            ? text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, message)
            : status(
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                encoding,
                OtlpResponses.CODE_RESOURCE_EXHAUSTED,
                message);
    Signal signal = signal(req);
    return signal == null ? r : answered(signal, r);
  }

  private FullHttpResponse answered(Signal signal, FullHttpResponse r) {
    ingest.metrics().request(Protocol.HTTP, signal, Integer.toString(r.status().code()));
    return r;
  }

  private byte[] body(FullHttpRequest req)
      throws IOException, BoundedGunzip.TooLargeException, UnsupportedEncodingException {
    byte[] raw = ByteBufUtil.getBytes(req.content());
    String coding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (coding == null || coding.isBlank() || coding.equalsIgnoreCase("identity")) {
      return raw;
    }
    if (coding.trim().equalsIgnoreCase("gzip") || coding.trim().equalsIgnoreCase("x-gzip")) {
      return BoundedGunzip.gunzip(raw, maxBodyBytes);
    }
    throw new UnsupportedEncodingException(
        "unsupported content encoding '" + coding + "': use gzip or none");
  }

  private static Signal signal(HttpRequest req) {
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    switch (path) {
      case "/v1/traces":
        return Signal.TRACES;
      case "/v1/metrics":
        return Signal.METRICS;
      case "/v1/logs":
        return Signal.LOGS;
      default:
        return null;
    }
  }

  static Encoding encoding(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    String media =
        (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    switch (media) {
      case PROTOBUF:
        return Encoding.PROTOBUF;
      case JSON:
        return Encoding.JSON;
      default:
        return null;
    }
  }

  private static FullHttpResponse status(
      HttpResponseStatus status, Encoding encoding, int rpcCode, String message) {
    byte[] body =
        encoding == Encoding.JSON
            ? OtlpResponses.statusJson(rpcCode, message)
            : OtlpResponses.statusProtobuf(rpcCode, message);
    return response(status, encoding, body);
  }

  private static FullHttpResponse response(
      HttpResponseStatus status, Encoding encoding, byte[] body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, encoding == Encoding.JSON ? JSON : PROTOBUF)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  static FullHttpResponse text(HttpResponseStatus status, String message) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  /** A {@code Content-Encoding} the receiver does not decode. */
  private static final class UnsupportedEncodingException extends Exception {
    private static final long serialVersionUID = 1L;

    UnsupportedEncodingException(String message) {
      super(message, null, false, false);
    }
  }
}
