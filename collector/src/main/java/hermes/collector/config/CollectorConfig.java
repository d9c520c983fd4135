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
 * @param guards the runaway guards
 * @param semconv span normalization
 * @param metrics the agent metrics
 * @param pricing the price table
 * @param forward trace forwarding
 * @param shutdownGracePeriod how long shutdown may take before it is forced
 * @param security TLS, authentication, CORS and admin access rules
 * @param guardWebhook where runaway-guard trips are posted
 */
public record CollectorConfig(
    Otlp otlp,
    Admin admin,
    Sessions sessions,
    Guards guards,
    Semconv semconv,
    Metrics metrics,
    Pricing pricing,
    Forward forward,
    Duration shutdownGracePeriod,
    Security security,
    GuardWebhook guardWebhook) {

  /**
   * The OTLP receivers.
   *
   * @param httpEndpoint {@code otlp.http.endpoint}
   * @param httpMaxInFlightBytes {@code otlp.http.max_inflight_bytes}
   * @param httpConnections {@code otlp.http.max_connections} and its timeouts
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
      Connections httpConnections,
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
   * @param connections {@code admin.max_connections} and its timeouts (the body timeout is {@code
   *     admin.header_timeout}: admin bodies are small)
   * @param maxStreamSubscribers {@code admin.max_stream_subscribers}
   * @param streamBufferBytes {@code admin.stream_buffer_bytes}, per stream reader
   * @param streamQueueEvents {@code admin.stream_queue_events}
   * @param jaegerUrl {@code ui.jaeger_url}, empty for no trace links in the explorer
   */
  public record Admin(
      Endpoint endpoint,
      String apiToken,
      Connections connections,
      int maxStreamSubscribers,
      long streamBufferBytes,
      int streamQueueEvents,
      String jaegerUrl) {}

  /**
   * The connection bounds of an HTTP listener ({@code <listener>.max_connections}, {@code
   * .header_timeout}, {@code .body_timeout}, {@code .idle_timeout}).
   *
   * @param max open connections at most; past it new ones are closed at once
   * @param headerTimeout a request head must be complete this long after its first byte
   * @param bodyTimeout a request body closes after this long without a byte
   * @param idleTimeout a connection with no request in progress closes after this long
   */
  public record Connections(
      int max, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout) {}

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
   * @param rootlessIdleTimeout {@code sessions.rootless_idle_timeout}
   * @param maxPendingSpans {@code sessions.max_pending_spans}
   * @param captureContent {@code sessions.capture_content}
   * @param maxContentBytes {@code sessions.max_content_bytes}
   */
  public record Sessions(
      int shards,
      Duration settleDelay,
      Duration idleTimeout,
      int maxLive,
      int maxSpansPerSession,
      int finishedKept,
      int maxQueuedSpans,
      Duration rootlessIdleTimeout,
      int maxPendingSpans,
      boolean captureContent,
      int maxContentBytes) {}

  /**
   * The runaway guards ({@code guards.*}): limits on one live session; 0 turns one off.
   *
   * @param toolRepeat {@code guards.tool_repeat}: the same tool with identical arguments this many
   *     times in a row within a turn
   * @param turnLlmCalls {@code guards.turn_llm_calls}: LLM calls in one turn
   * @param sessionLlmCalls {@code guards.session_llm_calls}
   * @param sessionTokens {@code guards.session_tokens}: input plus output tokens
   * @param sessionCostUsd {@code guards.session_cost_usd}
   * @param sessionDuration {@code guards.session_duration}, {@link Duration#ZERO} for off
   * @param maxRunningTurns {@code guards.max_running_turns}: turns per session whose guard state is
   *     kept at once
   * @param maxToolCallsPerTurn {@code guards.max_tool_calls_per_turn}: tool calls per turn kept to
   *     find runs in
   */
  public record Guards(
      int toolRepeat,
      int turnLlmCalls,
      int sessionLlmCalls,
      long sessionTokens,
      double sessionCostUsd,
      Duration sessionDuration,
      int maxRunningTurns,
      int maxToolCallsPerTurn) {}

  /**
   * Span normalization ({@code semconv.*}).
   *
   * @param maxNames {@code semconv.max_names}
   * @param includesCache per convention, {@code semconv.includes_cache.*}
   * @param maxNameBytes {@code semconv.max_name_bytes}
   */
  public record Semconv(
      int maxNames, Map<Convention, CacheSemantics> includesCache, int maxNameBytes) {
    /** With the default {@code semconv.max_name_bytes} (256). */
    public Semconv(int maxNames, Map<Convention, CacheSemantics> includesCache) {
      this(maxNames, includesCache, 256);
    }
  }

  /**
   * The agent metrics ({@code metrics.*}).
   *
   * @param maxLabelValues {@code metrics.max_label_values}
   * @param bridgeNamespace {@code metrics.bridge.namespace}
   * @param bridgeSeriesTtl {@code metrics.bridge.series_ttl}
   * @param bridgeMaxSeries {@code metrics.bridge.max_series}
   * @param bridgeMaxLabelValueBytes {@code metrics.bridge.max_label_value_bytes}
   * @param bridgeMaxPointsPerRequest {@code metrics.bridge.max_points_per_request}
   * @param bridgeMaxAttributesPerRequest {@code metrics.bridge.max_attributes_per_request}
   * @param bridgeMaxMessagesPerRequest {@code metrics.bridge.max_messages_per_request}
   */
  public record Metrics(
      int maxLabelValues,
      String bridgeNamespace,
      Duration bridgeSeriesTtl,
      int bridgeMaxSeries,
      int bridgeMaxLabelValueBytes,
      int bridgeMaxPointsPerRequest,
      int bridgeMaxAttributesPerRequest,
      int bridgeMaxMessagesPerRequest) {
    /** With the default {@code metrics.bridge.max_*_per_request} (100000, 100000, 500000). */
    public Metrics(
        int maxLabelValues,
        String bridgeNamespace,
        Duration bridgeSeriesTtl,
        int bridgeMaxSeries,
        int bridgeMaxLabelValueBytes) {
      this(
          maxLabelValues,
          bridgeNamespace,
          bridgeSeriesTtl,
          bridgeMaxSeries,
          bridgeMaxLabelValueBytes,
          100_000,
          100_000,
          500_000);
    }

    /** With the default {@code metrics.bridge.max_label_value_bytes} (256). */
    public Metrics(
        int maxLabelValues, String bridgeNamespace, Duration bridgeSeriesTtl, int bridgeMaxSeries) {
      this(maxLabelValues, bridgeNamespace, bridgeSeriesTtl, bridgeMaxSeries, 256);
    }
  }

  /**
   * Trace forwarding ({@code forward.*}).
   *
   * @param endpoint the backend URL, or null when forwarding is off
   * @param protocol {@code forward.protocol}
   * @param headers export headers
   * @param gzip whether exports are compressed
   * @param maxBatchBytes {@code forward.max_batch_bytes}
   * @param linger {@code forward.linger}
   * @param queueMaxBytes {@code forward.queue_max_bytes}
   * @param onFull {@code forward.on_full}
   * @param timeout {@code forward.timeout}
   * @param retryInitial {@code forward.retry_initial}
   * @param retryMax {@code forward.retry_max}
   * @param spoolDir {@code forward.spool.dir}, null for no spool
   * @param spoolMaxBytes {@code forward.spool.max_bytes}
   * @param spoolSegmentBytes {@code forward.spool.segment_bytes}
   * @param spoolSync {@code forward.spool.sync}
   * @param spoolSyncInterval {@code forward.spool.sync_interval}
   * @param redactAttributes {@code forward.redact_attributes}
   * @param tlsCaFile {@code forward.tls.ca_file}, null for the system trust store
   * @param tlsCertFile {@code forward.tls.cert_file}, null for no client certificate
   * @param tlsKeyFile {@code forward.tls.key_file}, set exactly when {@code tlsCertFile} is
   */
  public record Forward(
      java.net.URI endpoint,
      Protocol protocol,
      Map<String, String> headers,
      boolean gzip,
      int maxBatchBytes,
      Duration linger,
      long queueMaxBytes,
      OnFull onFull,
      Duration timeout,
      Duration retryInitial,
      Duration retryMax,
      Path spoolDir,
      long spoolMaxBytes,
      long spoolSegmentBytes,
      SpoolSync spoolSync,
      Duration spoolSyncInterval,
      java.util.List<String> redactAttributes,
      Path tlsCaFile,
      Path tlsCertFile,
      Path tlsKeyFile) {

    /** The export protocol ({@code forward.protocol}). */
    public enum Protocol {
      /** OTLP over gRPC. */
      GRPC("grpc"),
      /** OTLP over HTTP, protobuf body. */
      HTTP_PROTOBUF("http/protobuf");

      private final String configName;

      Protocol(String configName) {
        this.configName = configName;
      }

      /** The value as written in the configuration. */
      @Override
      public String toString() {
        return configName;
      }
    }

    /** What a full forward queue does ({@code forward.on_full}). */
    public enum OnFull {
      /** Refuse the request (503 / UNAVAILABLE); the agent retries. */
      BACKPRESSURE,
      /** Accept it and drop the oldest queued requests, counted. */
      DROP_OLDEST;

      /** The value as written in the configuration. */
      @Override
      public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    /** When the spool forces what it wrote to the device ({@code forward.spool.sync}). */
    public enum SpoolSync {
      /** Left to the OS (a power loss may lose the last seconds; a process crash loses nothing). */
      NONE,
      /** Every {@code forward.spool.sync_interval}, off the request path. */
      INTERVAL,
      /** Before the client hears "accepted". */
      ALWAYS;

      /** The value as written in the configuration. */
      @Override
      public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }
  }

  /**
   * The price table ({@code pricing.*}).
   *
   * @param file {@code pricing.file}, null for the embedded table
   * @param reloadInterval {@code pricing.reload_interval}
   */
  public record Pricing(Path file, Duration reloadInterval) {}

  /**
   * The PEM files of a TLS listener ({@code *.tls.*}).
   *
   * @param certFile the server certificate chain
   * @param keyFile its private key (PKCS#8 or PKCS#1)
   * @param clientCaFile CA certificates a client certificate must chain to (mutual TLS), or null
   */
  public record Tls(Path certFile, Path keyFile, Path clientCaFile) {}

  /**
   * Who may talk to the listeners.
   *
   * @param otlpTls {@code otlp.tls.*}, null for plaintext
   * @param otlpBearerTokenFile {@code otlp.auth.bearer_token_file}, null for no authentication
   * @param corsAllowedOrigins {@code otlp.http.cors.allowed_origins}, empty for no CORS
   * @param adminTls {@code admin.tls.*}, null for plaintext
   * @param adminApiTokenFile {@code admin.api_token_file}, null for none
   * @param adminAllowedHosts {@code admin.allowed_hosts}
   */
  public record Security(
      Tls otlpTls,
      Path otlpBearerTokenFile,
      java.util.List<String> corsAllowedOrigins,
      Tls adminTls,
      Path adminApiTokenFile,
      java.util.List<String> adminAllowedHosts) {}

  /**
   * The runaway guards' webhook ({@code guards.webhook_*}).
   *
   * @param url {@code guards.webhook_url} (http or https), or null when the webhook is off
   * @param secretFile {@code guards.webhook_secret_file}, or null for unsigned requests
   * @param timeout {@code guards.webhook_timeout}, per attempt
   * @param retries {@code guards.webhook_retries}, after the first attempt
   * @param queue {@code guards.webhook_queue}, trips waiting to be sent
   */
  public record GuardWebhook(
      java.net.URI url, Path secretFile, Duration timeout, int retries, int queue) {}
}
