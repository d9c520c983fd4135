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
   * @param maxInFlightBytes request body bytes received or being handled at once, all connections
   */
  public static HttpListener bind(
      Endpoint endpoint,
      EventLoops loops,
      Ingest ingest,
      int maxRequestBytes,
      int retryAfterSeconds,
      long maxInFlightBytes,
      Security security)
      throws IOException {
    OtlpHttpHandler handler = new OtlpHttpHandler(ingest, maxRequestBytes, retryAfterSeconds);
    InFlightLimiter.Budget budget =
        new InFlightLimiter.Budget(maxInFlightBytes, ingest.metrics()::httpInFlightBytes);
    return HttpListener.bind(
        "OTLP/HTTP",
        endpoint,
        loops,
        new OtlpHttpInitializer(handler, maxRequestBytes, budget, security, ingest.metrics()));
  }
}
