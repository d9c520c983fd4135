package hermes.collector.bench.loadgen;

import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** OTLP/gRPC {@code TraceService/Export} with the corpus' bytes sent as they are. */
final class GrpcTarget implements Target {
  private final ManagedChannel channel;
  private final Failures failures;
  private final String where;

  GrpcTarget(String host, int port, Failures failures) {
    this.failures = failures;
    this.where = host + ":" + port;
    this.channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(4 << 20)
            .build();
  }

  @Override
  public CompletableFuture<Result> send(byte[] body) {
    CompletableFuture<Result> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(
            OtlpGrpcMethods.TRACE_EXPORT,
            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
        body,
        new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] response) {}

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            Status.Code code = status.getCode();
            failures.add(
                status.getCause() != null
                    ? "gRPC " + code + ": " + Failures.describe(status.getCause(), where)
                    : "gRPC "
                        + code
                        + (status.getDescription() == null ? "" : ": " + status.getDescription()));
            result.complete(
                code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED
                    ? Result.REFUSED
                    : Result.ERROR);
          }

          @Override
          public void onCompleted() {
            result.complete(Result.OK);
          }
        });
    return result;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
