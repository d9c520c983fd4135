package hermes.collector.config;

import java.time.Duration;

/**
 * The collector's whole configuration, typed and validated. Immutable; built by {@link
 * ConfigLoader}.
 *
 * @param otlp the receivers and their bounds
 * @param admin the admin/metrics listener
 * @param shutdownGracePeriod how long shutdown may take before it is forced
 */
public record CollectorConfig(Otlp otlp, Admin admin, Duration shutdownGracePeriod) {

  /**
   * The OTLP receivers.
   *
   * @param httpEndpoint {@code otlp.http.endpoint}
   * @param grpcEndpoint {@code otlp.grpc.endpoint}
   * @param maxRequestBytes {@code otlp.max_request_bytes}, after decompression
   * @param maxAttributeDepth {@code otlp.max_attribute_depth}
   * @param maxAttributesPerSpan {@code otlp.max_attributes_per_span}
   * @param retryAfterSeconds {@code otlp.retry_after_seconds}
   */
  public record Otlp(
      Endpoint httpEndpoint,
      Endpoint grpcEndpoint,
      int maxRequestBytes,
      int maxAttributeDepth,
      int maxAttributesPerSpan,
      int retryAfterSeconds) {}

  /**
   * The admin listener.
   *
   * @param endpoint {@code admin.endpoint}
   */
  public record Admin(Endpoint endpoint) {}
}
