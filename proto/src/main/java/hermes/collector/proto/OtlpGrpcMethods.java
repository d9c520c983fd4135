package hermes.collector.proto;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The three OTLP gRPC export methods with raw-bytes marshallers: the server sees the request's
 * serialized bytes (for the streaming readers and for forwarding as-is) and answers with bytes it
 * encoded itself. No generated message is parsed on this path.
 */
public final class OtlpGrpcMethods {
  /** Marshals {@code byte[]} as itself. Threading: stateless. */
  public static final MethodDescriptor.Marshaller<byte[]> RAW = new RawMarshaller();

  /** {@code opentelemetry.proto.collector.trace.v1.TraceService/Export}. */
  public static final MethodDescriptor<byte[], byte[]> TRACE_EXPORT =
      unary("opentelemetry.proto.collector.trace.v1.TraceService");

  /** {@code opentelemetry.proto.collector.metrics.v1.MetricsService/Export}. */
  public static final MethodDescriptor<byte[], byte[]> METRICS_EXPORT =
      unary("opentelemetry.proto.collector.metrics.v1.MetricsService");

  /** {@code opentelemetry.proto.collector.logs.v1.LogsService/Export}. */
  public static final MethodDescriptor<byte[], byte[]> LOGS_EXPORT =
      unary("opentelemetry.proto.collector.logs.v1.LogsService");

  private OtlpGrpcMethods() {}

  private static MethodDescriptor<byte[], byte[]> unary(String service) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Export"))
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();
  }

  private static final class RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new KnownLengthBytes(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        // gRPC has already enforced the inbound size limit (after decompression).
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Lets gRPC size the frame without copying. */
  private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
    KnownLengthBytes(byte[] b) {
      super(b);
    }
  }
}
