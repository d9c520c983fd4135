package hermes.collector.ingest;

import hermes.collector.proto.OtlpResponses.Signal;

/**
 * What the receivers report about the requests they take: the one seam between ingest (and the
 * transports in front of it) and its telemetry, as {@code forward.ForwarderInstrumentation} is the
 * forwarder's. Ingest knows nothing of Prometheus; {@code hermes.collector.metrics.IngestMetrics}
 * renders these as {@code hermes_collector_requests_total}, {@code
 * hermes_collector_spans_received_total}, {@code hermes_collector_spans_refused_total} and the
 * other receiver families of section C of the metric contract.
 *
 * <p>Threading: called on I/O threads (and gRPC's transport threads) concurrently, once or a few
 * times per request, never per span; implementations must be thread-safe, must not block, log or
 * allocate per call.
 */
public interface IngestInstrumentation {
  /** Why spans were not accepted (the {@code reason} label). */
  enum Refusal {
    /** Invalid spans, rejected as a partial success; the rest of the request is kept. */
    INVALID_SPAN("invalid_span"),
    /** The session pipeline had no room: the request is refused, the client retries. */
    PIPELINE_FULL("pipeline_full"),
    /** The forward queue had no room: the request is refused, the client retries. */
    FORWARD_FULL("forward_full"),
    /** The forward spool could not be written: the request is refused, the client retries. */
    SPOOL_ERROR("spool_error");

    private final String label;

    Refusal(String label) {
      this.label = label;
    }

    /** The label value. */
    public String label() {
      return label;
    }
  }

  /** Why a metrics request was refused whole before parsing (the {@code reason} label). */
  enum MetricsRefusal {
    /** More data points than {@code metrics.bridge.max_points_per_request}. */
    MAX_POINTS("max_points"),
    /** More attributes than {@code metrics.bridge.max_attributes_per_request}. */
    MAX_ATTRIBUTES("max_attributes"),
    /** More protobuf messages than {@code metrics.bridge.max_messages_per_request}. */
    MAX_MESSAGES("max_messages");

    private final String label;

    MetricsRefusal(String label) {
      this.label = label;
    }

    /** The label value. */
    public String label() {
      return label;
    }
  }

  /** OTLP/HTTP body bytes taken ({@code > 0}) or given back ({@code < 0}). */
  void httpInFlightBytes(long delta);

  /** A gRPC export call started ({@code +1}) or ended ({@code -1}). */
  void grpcCallInFlight(int delta);

  /** One request answered with {@code code} (an HTTP status or a gRPC status name). */
  void request(Protocol protocol, Signal signal, String code);

  /** A request body of {@code bytes} bytes (after decompression) is being ingested. */
  void requestBytes(Protocol protocol, Signal signal, int bytes);

  /** One request rejected as malformed (also a bad compressed body, by a transport). */
  void decodeError(Protocol protocol, Signal signal, Encoding encoding);

  /** {@code spans} spans of a request were accepted ({@code >= 0}). */
  void spansReceived(Protocol protocol, Encoding encoding, int spans);

  /** {@code spans} spans were not accepted, for {@code reason} ({@code >= 0}). */
  void spansRefused(Refusal reason, int spans);

  /** {@code n} attributes past {@code otlp.max_attributes_per_span} were left unread. */
  void attributesUnindexed(int n);

  /** {@code points} metric data points of a request were accepted. */
  void metricPoints(Protocol protocol, Encoding encoding, int points);

  /** {@code records} log records of a request were accepted. */
  void logRecords(Protocol protocol, Encoding encoding, int records);

  /**
   * One metrics request was refused whole (400 / INVALID_ARGUMENT) for {@code reason}, before it
   * was parsed. Reports nothing by default (test doubles that do not look at it).
   */
  default void metricsRequestRefused(MetricsRefusal reason) {}

  /** Reports nothing (benchmarks, tests). */
  IngestInstrumentation NOOP =
      new IngestInstrumentation() {
        @Override
        public void httpInFlightBytes(long delta) {}

        @Override
        public void grpcCallInFlight(int delta) {}

        @Override
        public void request(Protocol protocol, Signal signal, String code) {}

        @Override
        public void requestBytes(Protocol protocol, Signal signal, int bytes) {}

        @Override
        public void decodeError(Protocol protocol, Signal signal, Encoding encoding) {}

        @Override
        public void spansReceived(Protocol protocol, Encoding encoding, int spans) {}

        @Override
        public void spansRefused(Refusal reason, int spans) {}

        @Override
        public void attributesUnindexed(int n) {}

        @Override
        public void metricPoints(Protocol protocol, Encoding encoding, int points) {}

        @Override
        public void logRecords(Protocol protocol, Encoding encoding, int records) {}
      };
}
