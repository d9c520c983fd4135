package hermes.collector.server;

import hermes.collector.logging.RateLimitedLog;
import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes of OTLP/gRPC messages held across all connections ({@code
 * otlp.grpc.max_inflight_bytes}).
 *
 * <p>grpc-java buffers a message until it is whole and returns HTTP/2 flow-control credit as it
 * buffers, so per-connection limits alone let many connections with many unfinished large messages
 * hold gigabytes. grpc-java reports each stream's buffered body bytes as they arrive ({@link
 * ServerStreamTracer#inboundWireSize}); this guard adds them up, and a call whose bytes push the
 * total past the bound is answered {@code UNAVAILABLE} at once (the client retries later), which
 * ends the stream and frees its buffer. As with OTLP/HTTP, one call alone always fits: a stream is
 * refused only while others hold bytes too. A call's bytes count until it is closed (answered),
 * since its message is held while it is handled.
 *
 * <p>The tracer finds its call through the call's {@link Context}; the interceptor wraps the call
 * so that nothing is sent on a refused call after its status.
 *
 * <p>Threading: the total is atomic. A stream's tracer and call are used on that stream's transport
 * thread (the server runs calls on the transport threads, {@code directExecutor}).
 */
final class GrpcInflightGuard extends ServerStreamTracer.Factory implements ServerInterceptor {
  private static final Context.Key<StreamBytes> STREAM = Context.key("hermes.grpc.stream-bytes");

  private final long maxBytes;
  private final GrpcGuardInstrumentation metrics;
  private final RateLimitedLog log;
  private final AtomicLong used = new AtomicLong();

  GrpcInflightGuard(long maxBytes, GrpcGuardInstrumentation metrics, RateLimitedLog log) {
    this.maxBytes = maxBytes;
    this.metrics = metrics;
    this.log = log;
  }

  /** Bytes held now, over all calls. */
  long used() {
    return used.get();
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new StreamBytes();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    StreamBytes stream = STREAM.get();
    if (stream == null) {
      return next.startCall(call, headers);
    }
    GuardedCall<Q, R> guarded = new GuardedCall<>(call, stream);
    stream.call = guarded;
    ServerCall.Listener<Q> listener = next.startCall(guarded, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(listener) {
      @Override
      public void onMessage(Q message) {
        if (!stream.refused) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (!stream.refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** One stream's share of the total. */
  private final class StreamBytes extends ServerStreamTracer {
    long held;
    boolean refused;
    GuardedCall<?, ?> call;

    @Override
    public Context filterContext(Context context) {
      return context.withValue(STREAM, this);
    }

    @Override
    public void inboundWireSize(long bytes) {
      if (bytes <= 0 || refused) {
        return;
      }
      held += bytes;
      metrics.inflightBytes(bytes);
      long total = used.addAndGet(bytes);
      if (total > maxBytes && held < total && call != null) {
        refused = true;
        metrics.callRefusedInflight();
        log.warn(
            "OTLP/gRPC: refused a call with UNAVAILABLE: messages in flight exceed"
                + " otlp.grpc.max_inflight_bytes ("
                + maxBytes
                + " bytes)");
        call.refuse(
            Status.UNAVAILABLE.withDescription(
                "messages in flight exceed "
                    + maxBytes
                    + " bytes (otlp.grpc.max_inflight_bytes); retry later"));
      }
    }

    @Override
    public void streamClosed(Status status) {
      long h = held;
      held = 0;
      if (h > 0) {
        used.addAndGet(-h);
        metrics.inflightBytes(-h);
      }
    }
  }

  /** Drops what the handler sends after the guard answered for it. */
  private static final class GuardedCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final StreamBytes stream;
    private boolean closed;

    GuardedCall(ServerCall<Q, R> delegate, StreamBytes stream) {
      super(delegate);
      this.stream = stream;
    }

    void refuse(Status status) {
      if (!closed) {
        closed = true;
        delegate().close(status, new Metadata());
      }
    }

    @Override
    public void sendHeaders(Metadata headers) {
      if (!stream.refused) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public void sendMessage(R message) {
      if (!stream.refused) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }
  }
}
