package hermes.collector.config;

import hermes.collector.semconv.CacheSemantics;
import hermes.collector.semconv.Convention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The collector's whole configuration, typed and validated. Immutable; built by {@link
 * ConfigLoader}.
 *
 * @param otlp the receivers and their bounds
 * @param admin the admin/metrics listener
 * @param sessions session assembly
 * @param semconv span normalization
 * @param metrics the agent metrics
 * @param pricing the price table
 * @param forward trace forwarding
 * @param shutdownGracePeriod how long shutdown may take before it is forced
 */
public record CollectorConfig(
    Otlp otlp,
    Admin admin,
    Sessions sessions,
    Semconv semconv,
    Metrics metrics,
    Pricing pricing,
    Forward forward,
    Duration shutdownGracePeriod) {

  /**
   * The OTLP receivers.
   *
   * @param httpEndpoint {@code otlp.http.endpoint}
   * @param httpMaxInFlightBytes {@code otlp.http.max_inflight_bytes}
   * @param grpcEndpoint {@code otlp.grpc.endpoint}
   * @param grpcMaxConcurrentStreams {@code otlp.grpc.max_concurrent_streams}, per connection
   * @param grpcMaxInFlightBytes {@code otlp.grpc.max_inflight_bytes}, over all connections
   * @param grpcMaxConnections {@code otlp.grpc.max_connections}
   * @param maxRequestBytes {@code otlp.max_request_bytes}, after decompression
   * @param maxAttributeDepth {@code otlp.max_attribute_depth}
   * @param maxAttributesPerSpan {@code otlp.max_attributes_per_span}
   * @param retryAfterSeconds {@code otlp.retry_after_seconds}
   */
  public record Otlp(
      Endpoint httpEndpoint,
      long httpMaxInFlightBytes,
      Endpoint grpcEndpoint,
      int grpcMaxConcurrentStreams,
      long grpcMaxInFlightBytes,
      int grpcMaxConnections,
      int maxRequestBytes,
      int maxAttributeDepth,
      int maxAttributesPerSpan,
      int retryAfterSeconds) {}

  /**
   * The admin listener.
   *
   * @param endpoint {@code admin.endpoint}
   * @param apiToken {@code admin.api_token}, empty for loopback-only
   */
  public record Admin(Endpoint endpoint, String apiToken) {}

  /**
   * Session assembly ({@code sessions.*}).
   *
   * @param shards writer threads (already resolved: never 0)
   * @param settleDelay {@code sessions.settle_delay}
   * @param idleTimeout {@code sessions.idle_timeout}
   * @param maxLive {@code sessions.max_live}
   * @param maxSpansPerSession {@code sessions.max_spans_per_session}
   * @param finishedKept {@code sessions.finished_kept}
   * @param maxQueuedSpans {@code sessions.max_queued_spans}
   */
  public record Sessions(
      int shards,
      Duration settleDelay,
      Duration idleTimeout,
      int maxLive,
      int maxSpansPerSession,
      int finishedKept,
      int maxQueuedSpans) {}

  /**
   * Span normalization ({@code semconv.*}).
   *
   * @param maxNames {@code semconv.max_names}
   * @param includesCache per convention, {@code semconv.includes_cache.*}
   */
  public record Semconv(int maxNames, Map<Convention, CacheSemantics> includesCache) {}

  /**
   * The agent metrics ({@code metrics.*}).
   *
   * @param maxLabelValues {@code metrics.max_label_values}
   * @param bridgeNamespace {@code metrics.bridge.namespace}
   * @param bridgeSeriesTtl {@code metrics.bridge.series_ttl}
   * @param bridgeMaxSeries {@code metrics.bridge.max_series}
   */
  public record Metrics(
      int maxLabelValues, String bridgeNamespace, Duration bridgeSeriesTtl, int bridgeMaxSeries) {}

  /**
   * Trace forwarding ({@code forward.*}).
   *
   * @param endpoint the backend URL, or null when forwarding is off
   * @param protocol {@code grpc} or {@code http/protobuf}
   * @param headers export headers
   * @param gzip whether exports are compressed
   * @param maxBatchBytes {@code forward.max_batch_bytes}
   * @param linger {@code forward.linger}
   * @param queueMaxBytes {@code forward.queue_max_bytes}
   * @param dropOldest {@code forward.on_full} is {@code drop_oldest}
   * @param timeout {@code forward.timeout}
   * @param retryInitial {@code forward.retry_initial}
   * @param retryMax {@code forward.retry_max}
   * @param spoolDir {@code forward.spool.dir}, null for no spool
   * @param spoolMaxBytes {@code forward.spool.max_bytes}
   * @param spoolSegmentBytes {@code forward.spool.segment_bytes}
   * @param redactAttributes {@code forward.redact_attributes}
   * @param tlsCaFile {@code forward.tls.ca_file}, null for the system trust store
   * @param tlsCertFile {@code forward.tls.cert_file}, null for no client certificate
   * @param tlsKeyFile {@code forward.tls.key_file}, set exactly when {@code tlsCertFile} is
   */
  public record Forward(
      java.net.URI endpoint,
      String protocol,
      Map<String, String> headers,
      boolean gzip,
      int maxBatchBytes,
      Duration linger,
      long queueMaxBytes,
      boolean dropOldest,
      Duration timeout,
      Duration retryInitial,
      Duration retryMax,
      Path spoolDir,
      long spoolMaxBytes,
      long spoolSegmentBytes,
      java.util.List<String> redactAttributes,
      Path tlsCaFile,
      Path tlsCertFile,
      Path tlsKeyFile) {}

  /**
   * The price table ({@code pricing.*}).
   *
   * @param file {@code pricing.file}, null for the embedded table
   * @param reloadInterval {@code pricing.reload_interval}
   */
  public record Pricing(Path file, Duration reloadInterval) {}
}
