package hermes.collector.forward;

import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip at deflate level 1 (fastest), for forwarding. The JDK's and grpc-java's gzip use level 6,
 * which on the one exporter thread compressed ~140,000 spans/s of agent traces (ForwardBenchmark),
 * below what ingest takes in; level 1 is several times faster for a slightly larger body, and any
 * gzip reader takes either.
 *
 * <p>Threading: stateless; each stream is its own.
 */
final class FastGzip implements Compressor {
  /** A gRPC compressor registry whose {@code gzip} is this one. */
  static final CompressorRegistry REGISTRY = registry();

  private static CompressorRegistry registry() {
    CompressorRegistry r = CompressorRegistry.newEmptyInstance();
    r.register(new FastGzip());
    return r;
  }

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public OutputStream compress(OutputStream os) throws IOException {
    return stream(os);
  }

  /** A gzip stream over {@code out} at the fastest level. */
  static GZIPOutputStream stream(OutputStream out) throws IOException {
    return new GZIPOutputStream(out, 64 * 1024) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    };
  }
}
