package hermes.collector.server;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;

/**
 * The security self metrics: TLS handshakes that failed, by listener and reason, and reloads of
 * certificate and token files.
 *
 * <p>Threading: safe for concurrent use (lock-free counters).
 */
public final class SecurityMetrics {
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

  void handshakeFailed(String listener, Throwable cause) {
    handshakeFailures.labels(listener, reason(cause)).inc();
  }

  void reloaded(String listener, boolean ok) {
    reloads.labels(listener, ok ? "success" : "failure").inc();
  }

  /** The {@code reason} label of a handshake failure. */
  static String reason(Throwable cause) {
    if (cause == null) {
      return "unknown"; // grpc-java reports a failed handshake without its cause
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String name = t.getClass().getSimpleName();
      if (name.equals("NotSslRecordException")) {
        return "not_tls";
      }
      if (t instanceof CertificateException || t instanceof CertPathValidatorException) {
        return "bad_client_certificate";
      }
      if (t instanceof ClosedChannelException || t instanceof SocketException) {
        return "closed";
      }
    }
    String msg = String.valueOf(cause == null ? null : cause.getMessage()).toLowerCase(Locale.ROOT);
    if (msg.contains("empty client certificate") || msg.contains("certificate_required")) {
      return "no_client_certificate";
    }
    if (msg.contains("certificate") && cause instanceof SSLHandshakeException) {
      return "bad_client_certificate";
    }
    if (msg.contains("protocol")
        && (msg.contains("version")
            || msg.contains("appropriate")
            || msg.contains("not enabled")
            || msg.contains("not supported"))) {
      return "protocol_version";
    }
    if (msg.contains("cipher")) {
      return "no_shared_cipher";
    }
    if (msg.contains("closed") || msg.contains("reset")) {
      return "closed";
    }
    return "other";
  }
}
