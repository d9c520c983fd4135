package hermes.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${env:NAME}} and {@code ${file:PATH}} in YAML values and --set values. */
class ConfigExpanderTest {
  @TempDir Path dir;

  @Test
  void envAndFileReferencesInYamlAndSetValues() throws Exception {
    Path secret = dir.resolve("token");
    Files.writeString(secret, "s3cret-from-file\n");
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "agent-token\n");
    Path f = dir.resolve("c.yaml");
    Files.writeString(
        f,
        """
        otlp:
          http:
            endpoint: ${env:HTTP_HOST}:${env:HTTP_PORT}
          auth:
            bearer_token_file: ${env:TOKENS}
        admin:
          api_token: ${file:%s}
        """
            .formatted(secret));
    CollectorConfig c =
        ConfigLoader.load(
            f,
            Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", "5318", "TOKENS", tokens.toString()),
            Map.of("forward.headers", "x-team=${env:HTTP_PORT}"));
    assertThat(c.otlp().httpEndpoint()).isEqualTo(new Endpoint("127.0.0.1", 5318));
    assertThat(c.admin().apiToken()).isEqualTo("s3cret-from-file");
    assertThat(c.security().otlpBearerTokenFile()).isEqualTo(tokens);
    assertThat(c.forward().headers()).containsEntry("x-team", "5318");
  }

  @Test
  void dollarDollarIsALiteralAndExpandedValuesAreNotExpandedAgain() throws Exception {
    CollectorConfig c =
        ConfigLoader.load(
            null, Map.of("T", "${env:NOPE}"), Map.of("admin.api_token", "a$${b}-${env:T}"));
    assertThat(c.admin().apiToken()).isEqualTo("a${b}-${env:NOPE}");
  }

  @Test
  void aMissingVariableOrFileNamesTheKeyButNeverAValue() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(null, Map.of(), Map.of("admin.api_token", "${env:ADMIN_TOKEN}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.api_token")
        .hasMessageContaining("ADMIN_TOKEN")
        .hasMessageContaining("not set");
    Path missing = dir.resolve("nope");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of(), Map.of("admin.api_token", "${file:" + missing + "}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.api_token")
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("admin.api_token", "${vault:x}")))
        .hasMessageContaining("${env:NAME} or ${file:PATH}");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("admin.api_token", "x${env:A")))
        .hasMessageContaining("unterminated");
  }

  @Test
  void tlsAndAuthKeysAreChecked() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Files.writeString(cert, "x");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("otlp.tls.cert_file", cert.toString())))
        .hasMessageContaining("otlp.tls.cert_file and otlp.tls.key_file: set both");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of(), Map.of("admin.tls.client_ca_file", cert.toString())))
        .hasMessageContaining("admin.tls.client_ca_file: mutual TLS needs TLS");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null,
                    Map.of(),
                    Map.of("otlp.auth.bearer_token_file", dir.resolve("none").toString())))
        .hasMessageContaining("otlp.auth.bearer_token_file")
        .hasMessageContaining("not a readable file");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of(), Map.of("otlp.http.cors.allowed_origins", "example.com")))
        .hasMessageContaining("is not an origin");
    CollectorConfig c =
        ConfigLoader.load(
            null,
            Map.of(),
            Map.of(
                "otlp.http.cors.allowed_origins", "https://*.example.com, http://localhost:3000",
                "admin.allowed_hosts", "collector.internal"));
    assertThat(c.security().corsAllowedOrigins())
        .containsExactly("https://*.example.com", "http://localhost:3000");
    assertThat(c.security().adminAllowedHosts()).containsExactly("collector.internal");
    assertThat(c.security().otlpTls()).isNull();
  }
}
