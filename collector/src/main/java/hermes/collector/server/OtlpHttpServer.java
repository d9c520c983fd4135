package hermes.collector.server;

import hermes.collector.config.Endpoint;
import hermes.collector.ingest.Ingest;
import java.io.IOException;

/** Binds the OTLP/HTTP receiver (the server of the OTLP/HTTP trio). */
public final class OtlpHttpServer {
  private OtlpHttpServer() {}

  /**
   * Starts listening.
   *
   * @param maxRequestBytes body limit, before and after decompression
   * @param retryAfterSeconds the {@code Retry-After} of a 503
   */
  public static HttpListener bind(
      Endpoint endpoint,
      EventLoops loops,
      Ingest ingest,
      int maxRequestBytes,
      int retryAfterSeconds)
      throws IOException {
    OtlpHttpHandler handler = new OtlpHttpHandler(ingest, maxRequestBytes, retryAfterSeconds);
    return HttpListener.bind(
        "OTLP/HTTP", endpoint, loops, new OtlpHttpInitializer(handler, maxRequestBytes));
  }
}
