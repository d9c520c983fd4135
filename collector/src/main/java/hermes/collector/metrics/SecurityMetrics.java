package hermes.collector.metrics;

import hermes.collector.server.SecurityInstrumentation;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;

/**
 * The security layer's telemetry as Prometheus metrics: TLS handshakes that failed, by listener and
 * reason, and reloads of certificate and token files.
 *
 * <p>Threading: safe for concurrent use (lock-free counters).
 */
public final class SecurityMetrics implements SecurityInstrumentation {
  private final Counter handshakeFailures;
  private final Counter reloads;

  /** Registers the metrics in {@code registry}. */
  public SecurityMetrics(CollectorRegistry registry) {
    handshakeFailures =
        Counter.build(
                "hermes_collector_tls_handshake_failures_total",
                "TLS handshakes that failed, by listener (otlp_http, otlp_grpc, admin) and reason:"
                    + " not_tls (plaintext to a TLS port), no_client_certificate,"
                    + " bad_client_certificate (not signed by client_ca_file, expired),"
                    + " protocol_version (below TLS 1.2), no_shared_cipher, closed (the client"
                    + " went away), other; unknown for gRPC, whose transport does not say why.")
            .labelNames("listener", "reason")
            .register(registry);
    reloads =
        Counter.build(
                "hermes_collector_credential_reloads_total",
                "Certificate, key and token files re-read after they changed, by listener and"
                    + " result (failure: the previous credentials stay in use).")
            .labelNames("listener", "result")
            .register(registry);
  }

  @Override
  public void handshakeFailed(String listener, String reason) {
    handshakeFailures.labels(listener, reason).inc();
  }

  @Override
  public void reloaded(String listener, boolean ok) {
    reloads.labels(listener, ok ? "success" : "failure").inc();
  }
}
