package hermes.collector.server;

import hermes.collector.proto.OtlpGrpcMethods;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;

/**
 * One OTLP/gRPC request as the server receives it: its bytes, or why they could not be read.
 *
 * <p>gRPC inflates a compressed message lazily, inside the request marshaller; an exception there
 * (a gzip bomb past the size limit, a truncated or garbage gzip stream) escapes into grpc-java,
 * which answers {@code UNKNOWN} and logs a SEVERE stack trace per call. This marshaller never
 * throws: it turns the failure into a status the handler answers with.
 *
 * @param body the serialized request, or null when {@code refusal} is set
 * @param refusal the status to answer with instead of handling the request
 */
record GrpcInbound(byte[] body, Status refusal) {
  /** The export methods with this type as their request (the responses stay raw bytes). */
  static MethodDescriptor<GrpcInbound, byte[]> method(
      MethodDescriptor<byte[], byte[]> raw, int maxRequestBytes) {
    return raw.toBuilder(new Marshaller(maxRequestBytes), OtlpGrpcMethods.RAW).build();
  }

  /** Reads a message whole; stateless, so safe to share. */
  private static final class Marshaller implements MethodDescriptor.Marshaller<GrpcInbound> {
    private final int maxRequestBytes;

    Marshaller(int maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public InputStream stream(GrpcInbound value) {
      return OtlpGrpcMethods.RAW.stream(value.body());
    }

    @Override
    public GrpcInbound parse(InputStream stream) {
      try {
        // gRPC's stream enforces the size limit as it inflates: at most maxRequestBytes + 1 read.
        return new GrpcInbound(stream.readAllBytes(), null);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          return new GrpcInbound(
              null,
              Status.RESOURCE_EXHAUSTED.withDescription(
                  "request exceeds " + maxRequestBytes + " bytes after decompression"));
        }
        return new GrpcInbound(null, e.getStatus());
      } catch (IOException | RuntimeException e) {
        // ZipException, EOFException: a truncated or garbage compressed message.
        return new GrpcInbound(
            null,
            Status.INVALID_ARGUMENT.withDescription(
                "Malformed: cannot decompress the message: " + e.getMessage()));
      }
    }
  }
}
