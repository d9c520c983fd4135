package hermes.collector.server;

import hermes.collector.config.Endpoint;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.logging.RateLimitedLog;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.OtlpGrpcMethods;
import hermes.collector.proto.OtlpResponses;
import hermes.collector.proto.OtlpResponses.Signal;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The OTLP/gRPC receiver: the three {@code Export} methods on grpc-java (Netty transport) with
 * raw-bytes marshallers, so the request bytes go straight to {@link Ingest}. gRPC inflates gzip and
 * enforces the size limit as it does; {@link GrpcInbound} turns a message past it into {@code
 * RESOURCE_EXHAUSTED} and a corrupt one into {@code INVALID_ARGUMENT} (one rate-limited log line,
 * no stack trace). Across all connections, {@link GrpcInflightGuard} bounds the message bytes held
 * ({@code otlp.grpc.max_inflight_bytes}) and {@link CappedServerSocketChannel} the connections
 * ({@code otlp.grpc.max_connections}).
 *
 * <p>Threading: calls run directly on gRPC's transport threads (the work never blocks: a trace
 * export waiting for the forward spool's write is answered from its completion); every finished
 * call is counted by status code through a stream tracer, including the ones gRPC refuses before a
 * handler runs.
 */
public final class OtlpGrpcServer implements AutoCloseable {
  // grpc-java logs every oversized message at WARNING through java.util.logging; those refusals
  // are counted in hermes_collector_requests_total, so a client in a loop must not flood the log.
  // Held strongly: java.util.logging keeps loggers weakly and would forget the level.
  private static final java.util.logging.Logger DEFRAME_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerStream");

  static {
    DEFRAME_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * The receiver's bounds.
   *
   * @param maxRequestBytes {@code otlp.max_request_bytes}, after decompression
   * @param maxConcurrentStreams {@code otlp.grpc.max_concurrent_streams}, per connection
   * @param maxInflightBytes {@code otlp.grpc.max_inflight_bytes}, over all connections
   * @param maxConnections {@code otlp.grpc.max_connections}
   */
  public record Limits(
      int maxRequestBytes, int maxConcurrentStreams, long maxInflightBytes, int maxConnections) {}

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private OtlpGrpcServer(Server server, EventLoopGroup boss, EventLoopGroup workers) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
  }

  /**
   * Starts listening on {@code endpoint}.
   *
   * @throws IOException naming the address when the bind fails
   */
  public static OtlpGrpcServer start(
      Endpoint endpoint,
      Ingest ingest,
      GrpcGuardInstrumentation guardMetrics,
      Limits limits,
      Security security)
      throws IOException {
    IngestInstrumentation metrics = ingest.metrics();
    // One limiter per kind of refusal, so a flood of one kind does not hide the others.
    org.slf4j.Logger logger = LoggerFactory.getLogger(OtlpGrpcServer.class);
    RateLimitedLog log = new RateLimitedLog(logger, LOG_INTERVAL_NANOS);
    RateLimitedLog connectionLog = new RateLimitedLog(logger, LOG_INTERVAL_NANOS);
    GrpcInflightGuard guard =
        new GrpcInflightGuard(
            limits.maxInflightBytes(),
            guardMetrics,
            new RateLimitedLog(logger, LOG_INTERVAL_NANOS));
    AtomicInteger connections = new AtomicInteger();
    // Own event loops: the listening socket is ours (the connection cap), and gRPC takes a
    // channel type only together with its loops.
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
    Receiver receiver = new Receiver(ingest, guardMetrics, log);
    int max = limits.maxRequestBytes();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(endpoint.toSocketAddress())
            .channelFactory(
                () ->
                    new CappedServerSocketChannel(
                        limits.maxConnections(), connections, guardMetrics, connectionLog))
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
    try {
      security.configureGrpc(builder); // TLS and bearer authentication
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    Server server =
        builder
            .directExecutor()
            .maxInboundMessageSize(max)
            // Each call in flight buffers its whole message: this bounds a connection's memory.
            .maxConcurrentCallsPerConnection(limits.maxConcurrentStreams())
            .addStreamTracerFactory(new StatusCounter(metrics))
            .addStreamTracerFactory(guard)
            .addService(service(OtlpGrpcMethods.TRACE_EXPORT, Signal.TRACES, receiver, guard, max))
            .addService(
                service(OtlpGrpcMethods.METRICS_EXPORT, Signal.METRICS, receiver, guard, max))
            .addService(service(OtlpGrpcMethods.LOGS_EXPORT, Signal.LOGS, receiver, guard, max))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("OTLP/gRPC: cannot listen on " + endpoint + ": " + e.getMessage(), e);
    }
    return new OtlpGrpcServer(server, boss, workers);
  }

  private static ServerServiceDefinition service(
      MethodDescriptor<byte[], byte[]> raw,
      Signal signal,
      Receiver receiver,
      GrpcInflightGuard guard,
      int maxRequestBytes) {
    MethodDescriptor<GrpcInbound, byte[]> method = GrpcInbound.method(raw, maxRequestBytes);
    return ServerInterceptors.intercept(
        ServerServiceDefinition.builder(method.getServiceName())
            .addMethod(
                method,
                ServerCalls.asyncUnaryCall(
                    (GrpcInbound request, StreamObserver<byte[]> response) ->
                        receiver.export(signal, request, response)))
            .build(),
        guard);
  }

  /** Answers one export call; stateless apart from the counters. */
  private record Receiver(
      Ingest ingest, GrpcGuardInstrumentation guardMetrics, RateLimitedLog log) {
    void export(Signal signal, GrpcInbound request, StreamObserver<byte[]> response) {
      Status refusal = request.refusal();
      if (refusal != null) {
        if (refusal.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          guardMetrics.decompressTooLarge();
        } else {
          guardMetrics.decompressCorrupt();
          ingest.metrics().decodeError(Protocol.GRPC, signal, Encoding.PROTOBUF);
        }
        log.warn("OTLP/gRPC: refused a " + signal + " export: " + refusal.getDescription());
        response.onError(refusal.asRuntimeException());
        return;
      }
      OtlpGrpcServer.export(ingest, signal, request.body(), response);
    }
  }

  private static void export(
      Ingest ingest, Signal signal, byte[] request, StreamObserver<byte[]> response) {
    ExportResult result;
    try {
      if (signal == Signal.TRACES) {
        CompletableFuture<ExportResult> f =
            ingest.tracesAsync(request, Encoding.PROTOBUF, Protocol.GRPC);
        if (!f.isDone()) {
          // Waiting for the forward spool's write: answered from the writer's callback (the
          // observer is used by one thread at a time: this call has returned by then).
          f.whenComplete((r, e) -> answer(response, r, e));
          return;
        }
        result = f.join(); // no spool: answered at once
      } else {
        result =
            signal == Signal.METRICS
                ? ingest.metrics(request, Encoding.PROTOBUF, Protocol.GRPC)
                : ingest.logs(request, Encoding.PROTOBUF, Protocol.GRPC);
      }
    } catch (MalformedOtlpException e) {
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(OtlpResponses.cut(e.getMessage()))
              .asRuntimeException());
      return;
    } catch (PipelineFullException e) {
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    response.onNext(OtlpResponses.exportProtobuf(result.rejected(), result.message()));
    response.onCompleted();
  }

  private static void answer(StreamObserver<byte[]> response, ExportResult r, Throwable e) {
    try {
      if (e == null) {
        response.onNext(OtlpResponses.exportProtobuf(r.rejected(), r.message()));
        response.onCompleted();
      } else {
        response.onError(
            Status.UNAVAILABLE.withDescription(Ingest.unwrap(e).getMessage()).asRuntimeException());
      }
    } catch (RuntimeException x) {
      // The call was cancelled meanwhile (the client gave up): nobody to answer.
    }
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /** Stops accepting calls and lets running ones finish, up to {@code grace}. */
  public void shutdown(Duration grace) {
    server.shutdown();
    try {
      if (!server.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  /** Counts every finished call by signal and gRPC status. */
  private static final class StatusCounter extends ServerStreamTracer.Factory {
    private final IngestInstrumentation metrics;

    StatusCounter(IngestInstrumentation metrics) {
      this.metrics = metrics;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      Signal signal = signalOf(fullMethodName);
      if (signal == null) {
        return new ServerStreamTracer() {};
      }
      metrics.grpcCallInFlight(1);
      return new ServerStreamTracer() {
        @Override
        public void streamClosed(Status status) {
          metrics.grpcCallInFlight(-1);
          metrics.request(Protocol.GRPC, signal, status.getCode().name());
        }
      };
    }

    private static Signal signalOf(String fullMethodName) {
      if (fullMethodName.equals(OtlpGrpcMethods.TRACE_EXPORT.getFullMethodName())) {
        return Signal.TRACES;
      }
      if (fullMethodName.equals(OtlpGrpcMethods.METRICS_EXPORT.getFullMethodName())) {
        return Signal.METRICS;
      }
      if (fullMethodName.equals(OtlpGrpcMethods.LOGS_EXPORT.getFullMethodName())) {
        return Signal.LOGS;
      }
      return null;
    }
  }
}
