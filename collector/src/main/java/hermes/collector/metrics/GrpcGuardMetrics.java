package hermes.collector.metrics;

import hermes.collector.server.GrpcGuardInstrumentation;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;

/**
 * The OTLP/gRPC receiver's guards' telemetry as Prometheus metrics: bytes of messages held,
 * connections, and what each bound refused.
 *
 * <p>Threading: safe for concurrent use; counters and gauges are lock-free adders.
 */
public final class GrpcGuardMetrics implements GrpcGuardInstrumentation {
  private final Gauge.Child inflightBytes;
  private final Counter.Child callsRefusedInflight;
  private final Gauge.Child connections;
  private final Counter.Child connectionsRefused;
  private final Counter.Child decompressTooLarge;
  private final Counter.Child decompressCorrupt;

  /** Registers the metrics in {@code registry}. */
  public GrpcGuardMetrics(CollectorRegistry registry) {
    inflightBytes =
        Gauge.build(
                "hermes_collector_grpc_inflight_bytes",
                "OTLP/gRPC message bytes received and held (buffered until the message is whole,"
                    + " then handled), over all connections (at most"
                    + " otlp.grpc.max_inflight_bytes; past it calls get UNAVAILABLE).")
            .register(registry)
            .labels();
    callsRefusedInflight =
        Counter.build(
                "hermes_collector_grpc_calls_refused_total",
                "OTLP/gRPC calls refused by a bound before their message was whole: inflight_bytes"
                    + " (UNAVAILABLE, otlp.grpc.max_inflight_bytes).")
            .labelNames("reason")
            .register(registry)
            .labels("inflight_bytes");
    connections =
        Gauge.build(
                "hermes_collector_grpc_connections",
                "Open OTLP/gRPC connections (at most otlp.grpc.max_connections).")
            .register(registry)
            .labels();
    connectionsRefused =
        Counter.build(
                "hermes_collector_grpc_connections_refused_total",
                "OTLP/gRPC connections closed at once because otlp.grpc.max_connections were"
                    + " open.")
            .register(registry)
            .labels();
    Counter decompress =
        Counter.build(
                "hermes_collector_grpc_decompress_errors_total",
                "OTLP/gRPC messages whose decompression failed: too_large (past"
                    + " otlp.max_request_bytes after inflation, RESOURCE_EXHAUSTED), corrupt"
                    + " (truncated or not gzip, INVALID_ARGUMENT).")
            .labelNames("reason")
            .register(registry);
    decompressTooLarge = decompress.labels("too_large");
    decompressCorrupt = decompress.labels("corrupt");
  }

  @Override
  public void inflightBytes(long delta) {
    inflightBytes.inc(delta);
  }

  @Override
  public void callRefusedInflight() {
    callsRefusedInflight.inc();
  }

  @Override
  public void connection(int delta) {
    connections.inc(delta);
  }

  @Override
  public void connectionRefused() {
    connectionsRefused.inc();
  }

  @Override
  public void decompressTooLarge() {
    decompressTooLarge.inc();
  }

  @Override
  public void decompressCorrupt() {
    decompressCorrupt.inc();
  }
}
