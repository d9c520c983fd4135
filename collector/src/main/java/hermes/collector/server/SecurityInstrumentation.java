package hermes.collector.server;

/**
 * What the security layer reports: TLS handshakes that failed, and reloads of certificate and token
 * files. It knows nothing of Prometheus; {@code hermes.collector.metrics.SecurityMetrics} renders
 * these as {@code hermes_collector_tls_handshake_failures_total} and {@code
 * hermes_collector_credential_reloads_total}.
 *
 * <p>Threading: called on I/O threads and the file watchers' threads concurrently; implementations
 * must be thread-safe and must not block.
 */
public interface SecurityInstrumentation {
  /**
   * A TLS handshake on {@code listener} failed, for {@code reason} (a {@link
   * HandshakeFailures#reason} value).
   */
  void handshakeFailed(String listener, String reason);

  /** The credential files of {@code listener} were re-read, successfully or not. */
  void reloaded(String listener, boolean ok);
}
