package hermes.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void theEmbeddedDefaultIsTheDocumentedOne() throws Exception {
    CollectorConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.otlp().httpEndpoint()).isEqualTo(new Endpoint("127.0.0.1", 4318));
    assertThat(c.otlp().grpcEndpoint()).isEqualTo(new Endpoint("127.0.0.1", 4317));
    assertThat(c.admin().endpoint()).isEqualTo(new Endpoint("0.0.0.0", 8889));
    assertThat(c.otlp().maxRequestBytes()).isEqualTo(20 << 20);
    assertThat(c.otlp().maxAttributeDepth()).isEqualTo(8);
    assertThat(c.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void fileThenEnvironmentThenFlagsOverride() throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(
        f,
        """
        otlp:
          http:
            endpoint: 0.0.0.0:5318
          grpc:
            endpoint: "[::1]:5317"
          max_request_bytes: 4MiB
        shutdown:
          grace_period: 500ms
        """);
    CollectorConfig c =
        ConfigLoader.load(
            f,
            Map.of(
                "HERMES_COLLECTOR_OTLP_HTTP_ENDPOINT", "127.0.0.1:14318",
                "HERMES_COLLECTOR_ADMIN_ENDPOINT", "127.0.0.1:18889",
                "UNRELATED", "x"),
            Map.of("admin.endpoint", "127.0.0.1:28889"));
    assertThat(c.otlp().httpEndpoint().toString()).isEqualTo("127.0.0.1:14318");
    assertThat(c.otlp().grpcEndpoint().toString()).isEqualTo("[::1]:5317");
    assertThat(c.admin().endpoint().toString()).isEqualTo("127.0.0.1:28889");
    assertThat(c.otlp().maxRequestBytes()).isEqualTo(4 << 20);
    assertThat(c.shutdownGracePeriod()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void everyKeyHasAnEnvironmentOverride() {
    assertThat(ConfigLoader.embeddedDefaults().keySet())
        .allSatisfy(k -> assertThat(ConfigLoader.envName(k)).matches("HERMES_COLLECTOR_[A-Z_]+"));
    assertThat(ConfigLoader.envName("otlp.max_request_bytes"))
        .isEqualTo("HERMES_COLLECTOR_OTLP_MAX_REQUEST_BYTES");
  }

  @Test
  void errorsNameTheKeyTheValueAndWhatIsAllowed() throws Exception {
    assertRejected(
        Map.of("otlp.http.endpoint", "localhost"),
        "otlp.http.endpoint: 'localhost' is not host:port (for example 127.0.0.1:4318 or"
            + " [::1]:4318; port 0-65535)");
    assertRejected(
        Map.of("admin.endpoint", "127.0.0.1:70000"), "admin.endpoint: '127.0.0.1:70000' is not");
    assertRejected(
        Map.of("otlp.max_request_bytes", "lots"),
        "otlp.max_request_bytes: 'lots' is not a size from 1024 to");
    assertRejected(
        Map.of("otlp.max_attribute_depth", "0"),
        "otlp.max_attribute_depth: '0' is not an integer from 1 to 64");
    assertRejected(
        Map.of("shutdown.grace_period", "forever"),
        "shutdown.grace_period: 'forever' is not a duration");
    assertRejected(
        Map.of("otlp.htp.endpoint", "127.0.0.1:1"),
        "unknown config key 'otlp.htp.endpoint' in --set; known keys: admin.api_token,"
            + " admin.endpoint,");
    assertRejected(
        Map.of("semconv.includes_cache.hermes", "maybe"),
        "semconv.includes_cache.hermes: 'maybe' is not one of auto, true, false");
    assertRejected(
        Map.of("sessions.settle_delay", "1ms"),
        "sessions.settle_delay: '1ms' is not a duration from 10ms to 600s");
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "otlp: [unclosed");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid YAML in " + f);
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
        .hasMessageStartingWith("--config: cannot read");
  }

  @Test
  void forwardingTlsAndRedactionSettings() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not read here");
    CollectorConfig c =
        ConfigLoader.load(
            null,
            Map.of(),
            Map.of(
                "forward.endpoint", "https://jaeger:4317",
                "forward.tls.ca_file", ca.toString(),
                "forward.redact_attributes", "hermes.tool.args, gen_ai.input.messages"));
    assertThat(c.forward().tlsCaFile()).isEqualTo(ca);
    assertThat(c.forward().tlsCertFile()).isNull();
    assertThat(c.forward().redactAttributes())
        .containsExactly("hermes.tool.args", "gen_ai.input.messages");
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).forward().redactAttributes()).isEmpty();

    assertRejected(
        Map.of("forward.endpoint", "http://jaeger:4317", "forward.tls.ca_file", ca.toString()),
        "forward.tls.ca_file: TLS files need an https:// forward.endpoint");
    assertRejected(
        Map.of("forward.endpoint", "https://jaeger:4317", "forward.tls.ca_file", "/no/such.pem"),
        "forward.tls.ca_file: '/no/such.pem' is not a readable file");
    assertRejected(
        Map.of("forward.endpoint", "https://jaeger:4317", "forward.tls.cert_file", ca.toString()),
        "forward.tls.cert_file and forward.tls.key_file: set both");
  }

  private static void assertRejected(Map<String, String> flags, String messageStart) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), flags))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(messageStart);
  }

  @Test
  void liveSessionKeys() throws Exception {
    CollectorConfig d = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(d.sessions().rootlessIdleTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(d.sessions().maxPendingSpans()).isEqualTo(200_000);
    assertThat(d.sessions().captureContent()).isFalse();
    assertThat(d.sessions().maxContentBytes()).isEqualTo(2048);
    CollectorConfig on =
        ConfigLoader.load(
            null,
            Map.of(),
            Map.of("sessions.capture_content", "true", "sessions.max_content_bytes", "100"));
    assertThat(on.sessions().captureContent()).isTrue();
    assertThat(on.sessions().maxContentBytes()).isEqualTo(100);
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("sessions.capture_content", "yes")))
        .hasMessageContaining("sessions.capture_content")
        .hasMessageContaining("true or false");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("sessions.max_pending_spans", "10")))
        .hasMessageContaining("sessions.max_pending_spans");
  }
}
