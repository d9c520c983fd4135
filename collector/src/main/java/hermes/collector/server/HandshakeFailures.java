package hermes.collector.server;

import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;

/**
 * Why a TLS handshake failed, as the closed set of {@code reason} values the security telemetry
 * reports: read from the exception's type and message, since the JDK's and Netty's handshake errors
 * carry no code.
 *
 * <p>Threading: stateless.
 */
final class HandshakeFailures {
  private HandshakeFailures() {}

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
