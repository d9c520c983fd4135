package hermes.collector.metrics;

import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.OtlpResponses.Signal;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import java.util.Locale;

/**
 * The receivers' telemetry as Prometheus metrics ({@code hermes_collector_*}, section C of the
 * metric contract): the {@link IngestInstrumentation} ingest and the transports report to.
 *
 * <p>Threading: safe for concurrent use; counters are lock-free. Label children for the fixed label
 * sets are resolved once, so the per-request cost is an add (the answered-request counter, whose
 * code label is open, resolves its child per request, as it always did).
 */
public final class IngestMetrics implements IngestInstrumentation {
  private final Counter requests;
  private final Counter.Child[][] requestBytes;
  private final Counter.Child[][] spansReceived;
  private final Counter.Child[][][] decodeErrors;
  private final Counter.Child[][] metricPoints;
  private final Counter.Child[][] logRecords;
  private final Counter.Child[] spansRefused;
  private final Counter.Child attributesUnindexed;
  private final Counter.Child[] metricsRequestsRefused;
  private final Gauge grpcCallsInFlight;
  private final Gauge httpInFlightBytes;

  /** Registers the metrics in {@code registry}. */
  public IngestMetrics(CollectorRegistry registry) {
    httpInFlightBytes =
        Gauge.build(
                "hermes_collector_http_inflight_bytes",
                "OTLP/HTTP request body bytes being received or handled, over all connections"
                    + " (at most otlp.http.max_inflight_bytes; past it requests get 503).")
            .register(registry);
    grpcCallsInFlight =
        Gauge.build(
                "hermes_collector_grpc_calls_in_flight",
                "OTLP/gRPC export calls received and not yet answered, over all connections (each"
                    + " connection holds at most otlp.grpc.max_concurrent_streams; clients queue the"
                    + " rest).")
            .register(registry);
    requests =
        Counter.build(
                "hermes_collector_requests_total",
                "Export requests answered, by protocol, signal and response code (HTTP status or"
                    + " gRPC status name).")
            .labelNames("protocol", "signal", "code")
            .register(registry);
    Counter bytes =
        Counter.build(
                "hermes_collector_request_bytes_total",
                "Bytes of export request bodies after decompression.")
            .labelNames("protocol", "signal")
            .register(registry);
    Counter spans =
        Counter.build("hermes_collector_spans_received_total", "Spans accepted by the receivers.")
            .labelNames("protocol", "encoding")
            .register(registry);
    Counter refused =
        Counter.build(
                "hermes_collector_spans_refused_total",
                "Spans not accepted: invalid_span (rejected as partial success), pipeline_full,"
                    + " forward_full (the forward queue), spool_error (the forward spool could not"
                    + " be written): requests refused with 503/UNAVAILABLE, the client retries.")
            .labelNames("reason")
            .register(registry);
    Counter decode =
        Counter.build(
                "hermes_collector_decode_errors_total",
                "Requests rejected as malformed (HTTP 400, gRPC INVALID_ARGUMENT).")
            .labelNames("protocol", "signal", "encoding")
            .register(registry);
    Counter points =
        Counter.build(
                "hermes_collector_metric_points_received_total",
                "Metric data points accepted by the receivers.")
            .labelNames("protocol", "encoding")
            .register(registry);
    Counter logs =
        Counter.build(
                "hermes_collector_log_records_received_total",
                "Log records accepted by the receivers.")
            .labelNames("protocol", "encoding")
            .register(registry);
    Counter unindexed =
        Counter.build(
                "hermes_collector_attributes_unindexed_total",
                "Attributes past otlp.max_attributes_per_span: forwarded untouched, not read.")
            .register(registry);

    Counter metricsRefused =
        Counter.build(
                "hermes_collector_metric_requests_refused_total",
                "OTLP metrics exports refused whole (HTTP 400, gRPC INVALID_ARGUMENT) before"
                    + " parsing, by the bound they were over: max_points"
                    + " (metrics.bridge.max_points_per_request), max_attributes"
                    + " (metrics.bridge.max_attributes_per_request), max_messages"
                    + " (metrics.bridge.max_messages_per_request).")
            .labelNames("reason")
            .register(registry);

    Protocol[] ps = Protocol.values();
    Encoding[] es = Encoding.values();
    Signal[] ss = Signal.values();
    requestBytes = new Counter.Child[ps.length][ss.length];
    spansReceived = new Counter.Child[ps.length][es.length];
    metricPoints = new Counter.Child[ps.length][es.length];
    logRecords = new Counter.Child[ps.length][es.length];
    decodeErrors = new Counter.Child[ps.length][ss.length][es.length];
    for (Protocol p : ps) {
      for (Signal s : ss) {
        requestBytes[p.ordinal()][s.ordinal()] = bytes.labels(p.label(), label(s));
        for (Encoding e : es) {
          decodeErrors[p.ordinal()][s.ordinal()][e.ordinal()] =
              decode.labels(p.label(), label(s), e.label());
        }
      }
      for (Encoding e : es) {
        spansReceived[p.ordinal()][e.ordinal()] = spans.labels(p.label(), e.label());
        metricPoints[p.ordinal()][e.ordinal()] = points.labels(p.label(), e.label());
        logRecords[p.ordinal()][e.ordinal()] = logs.labels(p.label(), e.label());
      }
    }
    Refusal[] rs = Refusal.values();
    spansRefused = new Counter.Child[rs.length];
    for (Refusal r : rs) {
      spansRefused[r.ordinal()] = refused.labels(r.label());
    }
    attributesUnindexed = unindexed.labels();
    MetricsRefusal[] ms = MetricsRefusal.values();
    metricsRequestsRefused = new Counter.Child[ms.length];
    for (MetricsRefusal m : ms) {
      metricsRequestsRefused[m.ordinal()] = metricsRefused.labels(m.label());
    }
  }

  /** The {@code signal} label value. */
  static String label(Signal s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void httpInFlightBytes(long delta) {
    httpInFlightBytes.inc(delta);
  }

  @Override
  public void grpcCallInFlight(int delta) {
    grpcCallsInFlight.inc(delta);
  }

  @Override
  public void request(Protocol p, Signal s, String code) {
    requests.labels(p.label(), label(s), code).inc();
  }

  @Override
  public void requestBytes(Protocol p, Signal s, int n) {
    requestBytes[p.ordinal()][s.ordinal()].inc(n);
  }

  @Override
  public void decodeError(Protocol p, Signal s, Encoding e) {
    decodeErrors[p.ordinal()][s.ordinal()][e.ordinal()].inc();
  }

  @Override
  public void spansReceived(Protocol p, Encoding e, int n) {
    if (n > 0) {
      spansReceived[p.ordinal()][e.ordinal()].inc(n);
    }
  }

  @Override
  public void spansRefused(Refusal reason, int n) {
    if (n > 0) {
      spansRefused[reason.ordinal()].inc(n);
    }
  }

  @Override
  public void attributesUnindexed(int n) {
    if (n > 0) {
      attributesUnindexed.inc(n);
    }
  }

  @Override
  public void metricPoints(Protocol p, Encoding e, int n) {
    metricPoints[p.ordinal()][e.ordinal()].inc(n);
  }

  @Override
  public void logRecords(Protocol p, Encoding e, int n) {
    logRecords[p.ordinal()][e.ordinal()].inc(n);
  }

  @Override
  public void metricsRequestRefused(MetricsRefusal reason) {
    metricsRequestsRefused[reason.ordinal()].inc();
  }
}
