package hermes.collector.bench.baseline;

import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor under every OTLP/gRPC receiver: grpc-java's server taking each {@code
 * TraceService/Export} request as its bytes (one copy out of the transport, as the collector's own
 * marshaller makes) and answering at once, reading no span. What it costs per span is what HTTP/2
 * framing, grpc-java's call machinery and Netty cost before any receiver looks at a field, so the
 * collector's and the stock receiver's CPU per span can each be split into "transport" and "their
 * own work" (bench/RESULTS.md, issue 16).
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * hermes.collector.bench.baseline.TransportFloor [port]} (default 14318), then point {@code
 * hermes-loadgen --protocol grpc} at it; {@code FLOOR=1 bench/cpu-per-span.sh} does both.
 *
 * <p>Threading: the handler runs on grpc-java's executor, concurrently.
 */
public final class TransportFloor implements AutoCloseable {
  private final LongAdder bytes = new LongAdder();
  private final Server server;

  /** Starts a receiver on {@code 127.0.0.1:port} (0: a free port). */
  public TransportFloor(int port) throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(OtlpGrpcMethods.TRACE_EXPORT.getServiceName())
            .addMethod(
                OtlpGrpcMethods.TRACE_EXPORT,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      bytes.add(request.length);
                      response.onNext(EMPTY);
                      response.onCompleted();
                    }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .maxInboundMessageSize(20 << 20)
            .addService(service)
            .build()
            .start();
  }

  private static final byte[] EMPTY = new byte[0]; // an ExportTraceServiceResponse with no fields

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** Request bytes received so far. */
  public long bytes() {
    return bytes.sum();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 14318;
    TransportFloor r = new TransportFloor(port);
    System.err.println("OTLP/gRPC transport floor on 127.0.0.1:" + r.port());
    Runtime.getRuntime().addShutdownHook(new Thread(r::close));
    r.server.awaitTermination();
  }
}
