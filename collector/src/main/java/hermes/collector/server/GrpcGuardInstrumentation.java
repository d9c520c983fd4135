package hermes.collector.server;

/**
 * What the OTLP/gRPC receiver's guards report: bytes of messages held, connections, and what each
 * bound refused. The receiver knows nothing of Prometheus; {@code
 * hermes.collector.metrics.GrpcGuardMetrics} renders these as {@code hermes_collector_grpc_*}.
 *
 * <p>Threading: called on gRPC's transport threads concurrently; implementations must be
 * thread-safe and must not block.
 */
public interface GrpcGuardInstrumentation {
  /** Message bytes taken ({@code > 0}) or given back ({@code < 0}). */
  void inflightBytes(long delta);

  /** A call was refused because {@code otlp.grpc.max_inflight_bytes} were held. */
  void callRefusedInflight();

  /** A connection opened ({@code +1}) or closed ({@code -1}). */
  void connection(int delta);

  /** A connection was closed at once: {@code otlp.grpc.max_connections} were open. */
  void connectionRefused();

  /** A message inflated past {@code otlp.max_request_bytes}. */
  void decompressTooLarge();

  /** A message could not be decompressed (truncated, not gzip). */
  void decompressCorrupt();
}
