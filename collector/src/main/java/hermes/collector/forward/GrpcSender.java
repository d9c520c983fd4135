package hermes.collector.forward;

import com.google.rpc.RetryInfo;
import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC export of raw request bytes ({@code TraceService/Export} with the raw marshaller), so
 * the agent's bytes go out as they came. Threading: used by the one exporter thread.
 */
final class GrpcSender implements Sender {
  private final ManagedChannel channel;
  private final io.grpc.Channel intercepted;
  private final boolean gzip;

  GrpcSender(
      URI endpoint, Map<String, String> headers, boolean gzip, Duration timeout, TlsFiles tls)
      throws java.io.IOException {
    int port = endpoint.getPort() < 0 ? 4317 : endpoint.getPort();
    NettyChannelBuilder b;
    if ("https".equals(endpoint.getScheme())) {
      b = NettyChannelBuilder.forAddress(endpoint.getHost(), port, tls.grpc());
    } else {
      b = NettyChannelBuilder.forAddress(endpoint.getHost(), port).usePlaintext();
    }
    this.channel = b.maxInboundMessageSize(4 << 20).compressorRegistry(FastGzip.REGISTRY).build();
    Metadata md = new Metadata();
    headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    this.intercepted =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    this.gzip = gzip;
  }

  @Override
  public Outcome send(byte[] batch, Duration timeout) {
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (gzip) {
      options = options.withCompression("gzip");
    }
    try {
      byte[] response =
          ClientCalls.blockingUnaryCall(intercepted, OtlpGrpcMethods.TRACE_EXPORT, options, batch);
      return Outcome.delivered(PartialSuccess.rejectedSpans(response));
    } catch (StatusRuntimeException e) {
      return outcome(e);
    }
  }

  /**
   * The OTLP/gRPC retry rules: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and
   * DATA_LOSS are retried; RESOURCE_EXHAUSTED only when the backend says when to (a {@code
   * google.rpc.RetryInfo} in the status details), whose delay then wins over our backoff.
   */
  static Outcome outcome(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    String reason = "grpc_" + code.name().toLowerCase(java.util.Locale.ROOT);
    long retryAfter = retryDelayMillis(e);
    Status st = e.getStatus();
    String detail =
        "gRPC "
            + code
            + (st.getDescription() == null ? "" : ": " + st.getDescription())
            + (st.getCause() == null ? "" : " (" + st.getCause().getMessage() + ")");
    switch (code) {
      case CANCELLED:
      case DEADLINE_EXCEEDED:
      case ABORTED:
      case OUT_OF_RANGE:
      case UNAVAILABLE:
      case DATA_LOSS:
        return Outcome.retryable(reason, retryAfter, detail);
      case RESOURCE_EXHAUSTED:
        return retryAfter >= 0
            ? Outcome.retryable(reason, retryAfter, detail)
            : Outcome.fatal(reason, detail);
      default:
        return Outcome.fatal(reason, detail);
    }
  }

  private static long retryDelayMillis(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return -1;
    }
    for (com.google.protobuf.Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          return Math.max(0, d.getSeconds() * 1000 + d.getNanos() / 1_000_000);
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          return -1;
        }
      }
    }
    return -1;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
