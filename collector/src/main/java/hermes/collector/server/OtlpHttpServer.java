package hermes.collector.server;

import hermes.collector.config.CollectorConfig;
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
   * @param connections the connection cap and timeouts
   * @param listenerMetrics where connection-level events are counted ({@code listener="otlp_http"})
   */
  public static HttpListener bind(
      Endpoint endpoint,
      EventLoops loops,
      Ingest ingest,
      int maxRequestBytes,
      int retryAfterSeconds,
      long maxInFlightBytes,
      CollectorConfig.Connections connections,
      ListenerInstrumentation listenerMetrics,
      Security security)
      throws IOException {
    OtlpHttpHandler handler = new OtlpHttpHandler(ingest, maxRequestBytes, retryAfterSeconds);
    InFlightLimiter.Budget budget =
        new InFlightLimiter.Budget(maxInFlightBytes, ingest.metrics()::httpInFlightBytes);
    return HttpListener.bind(
        "OTLP/HTTP",
        endpoint,
        loops,
        new OtlpHttpInitializer(
            handler,
            maxRequestBytes,
            budget,
            new HttpListenerLimits("otlp_http", connections, listenerMetrics),
            security,
            ingest.metrics()));
  }
}
