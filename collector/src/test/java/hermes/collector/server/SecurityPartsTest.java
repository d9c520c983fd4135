package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CORS origin patterns, token file parsing and handshake failure reasons. */
class SecurityPartsTest {
  @TempDir Path dir;

  @Test
  void corsOriginsMatchExactlyOrByOneWildcard() {
    CorsHandler.Policy p =
        new CorsHandler.Policy(List.of("https://*.example.com", "http://localhost:3000"));
    assertThat(p.allows("https://app.example.com")).isTrue();
    assertThat(p.allows("https://a.b.EXAMPLE.com")).isTrue();
    assertThat(p.allows("http://localhost:3000")).isTrue();
    assertThat(p.allows("http://app.example.com")).isFalse();
    assertThat(p.allows("https://example.com.evil.test")).isFalse();
    assertThat(p.allows("http://localhost:3001")).isFalse();
    assertThat(new CorsHandler.Policy(List.of("*")).allows("https://anything.test")).isTrue();
  }

  @Test
  void tokenFileLinesWithTenantsCommentsAndBlanks() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "# team tokens\n\nalpha team-a\n  beta  \n");
    BearerTokens t = new BearerTokens("otlp", f, "", null);
    assertThat(t.check("Bearer alpha")).isEqualTo("team-a");
    assertThat(t.check("bearer beta")).isEqualTo(BearerTokens.NO_TENANT);
    assertThat(t.check("Bearer alph")).isNull();
    assertThat(t.check("Bearer alpha2")).isNull();
    assertThat(t.check("Basic alpha")).isNull();
    assertThat(t.check("Bearer ")).isNull();
    assertThat(t.check(null)).isNull();
    Files.writeString(f, "# nothing\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BearerTokens("otlp", f, "", null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no token");
    Files.writeString(f, "a b c\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BearerTokens("otlp", f, "", null))
        .hasMessageContaining("line 1")
        .hasMessageNotContaining("a b c");
  }

  @Test
  void handshakeFailureReasons() {
    assertThat(
            HandshakeFailures.reason(new SSLHandshakeException("Empty client certificate chain")))
        .isEqualTo("no_client_certificate");
    SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
    untrusted.initCause(new CertificateException("unable to find valid certification path"));
    assertThat(HandshakeFailures.reason(untrusted)).isEqualTo("bad_client_certificate");
    assertThat(
            HandshakeFailures.reason(
                new SSLHandshakeException(
                    "No appropriate protocol (protocol is disabled or cipher suites are"
                        + " inappropriate)")))
        .isEqualTo("protocol_version");
    assertThat(
            HandshakeFailures.reason(
                new SSLHandshakeException(
                    "Client requested protocol TLSv1.1 is not enabled or supported in server"
                        + " context")))
        .isEqualTo("protocol_version");
    assertThat(HandshakeFailures.reason(new io.netty.handler.ssl.NotSslRecordException("x")))
        .isEqualTo("not_tls");
    assertThat(HandshakeFailures.reason(new ClosedChannelException())).isEqualTo("closed");
    assertThat(HandshakeFailures.reason(null)).isEqualTo("unknown");
  }
}
