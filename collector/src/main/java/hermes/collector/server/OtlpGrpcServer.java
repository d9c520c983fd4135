package hermes.collector.server;

import hermes.collector.config.Endpoint;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestMetrics;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.OtlpGrpcMethods;
import hermes.collector.proto.OtlpResponses;
import hermes.collector.proto.OtlpResponses.Signal;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The OTLP/gRPC receiver: the three {@code Export} methods on grpc-java (Netty transport) with
 * raw-bytes marshallers, so the request bytes go straight to {@link Ingest}. gRPC itself enforces
 * the size limit after decompression ({@code RESOURCE_EXHAUSTED}) and handles gzip.
 *
 * <p>Threading: calls run directly on gRPC's transport threads (the work never blocks); every
 * finished call is counted by status code through a stream tracer, including the ones gRPC refuses
 * before a handler runs.
 */
public final class OtlpGrpcServer implements AutoCloseable {
  // grpc-java logs every oversized message at WARNING through java.util.logging; those refusals
  // are counted in hermes_collector_requests_total, so a client in a loop must not flood the log.
  // Held strongly: java.util.logging keeps loggers weakly and would forget the level.
  private static final java.util.logging.Logger DEFRAME_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  static {
    DEFRAME_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  private final Server server;

  private OtlpGrpcServer(Server server) {
    this.server = server;
  }

  /**
   * Starts listening on {@code endpoint}.
   *
   * @throws IOException naming the address when the bind fails
   */
  public static OtlpGrpcServer start(
      Endpoint endpoint,
      Ingest ingest,
      int maxRequestBytes,
      int maxConcurrentStreams,
      Security security)
      throws IOException {
    IngestMetrics metrics = ingest.metrics();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(endpoint.toSocketAddress());
    security.configureGrpc(builder); // TLS and bearer authentication
    Server server =
        builder
            .directExecutor()
            .maxInboundMessageSize(maxRequestBytes)
            // Each call in flight buffers its whole message: this bounds a connection's memory.
            .maxConcurrentCallsPerConnection(maxConcurrentStreams)
            .addStreamTracerFactory(new StatusCounter(metrics))
            .addService(service(OtlpGrpcMethods.TRACE_EXPORT, Signal.TRACES, ingest))
            .addService(service(OtlpGrpcMethods.METRICS_EXPORT, Signal.METRICS, ingest))
            .addService(service(OtlpGrpcMethods.LOGS_EXPORT, Signal.LOGS, ingest))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException("OTLP/gRPC: cannot listen on " + endpoint + ": " + e.getMessage(), e);
    }
    return new OtlpGrpcServer(server);
  }

  private static ServerServiceDefinition service(
      MethodDescriptor<byte[], byte[]> method, Signal signal, Ingest ingest) {
    return ServerServiceDefinition.builder(method.getServiceName())
        .addMethod(
            method,
            ServerCalls.asyncUnaryCall(
                (byte[] request, StreamObserver<byte[]> response) ->
                    export(ingest, signal, request, response)))
        .build();
  }

  private static void export(
      Ingest ingest, Signal signal, byte[] request, StreamObserver<byte[]> response) {
    ExportResult result;
    try {
      result =
          switch (signal) {
            case TRACES -> ingest.traces(request, Encoding.PROTOBUF, Protocol.GRPC);
            case METRICS -> ingest.metrics(request, Encoding.PROTOBUF, Protocol.GRPC);
            case LOGS -> ingest.logs(request, Encoding.PROTOBUF, Protocol.GRPC);
          };
    } catch (MalformedOtlpException e) {
      response.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (PipelineFullException e) {
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    response.onNext(OtlpResponses.exportProtobuf(result.rejected(), result.message()));
    response.onCompleted();
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
    }
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  /** Counts every finished call by signal and gRPC status. */
  private static final class StatusCounter extends ServerStreamTracer.Factory {
    private final IngestMetrics metrics;

    StatusCounter(IngestMetrics metrics) {
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
