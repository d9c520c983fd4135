package hermes.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  void connectionBoundsHaveDocumentedDefaultsAndRefuseBadValues() throws Exception {
    CollectorConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.otlp().httpConnections())
        .isEqualTo(
            new CollectorConfig.Connections(
                1000, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)));
    // the admin listener's body timeout is its header timeout: its bodies are small
    assertThat(c.admin().connections())
        .isEqualTo(
            new CollectorConfig.Connections(
                1000, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60)));
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("otlp.http.max_connections", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("otlp.http.max_connections");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("admin.idle_timeout", "10")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.idle_timeout");
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
        "unknown config key 'otlp.htp.endpoint' in --set; did you mean 'otlp.http.endpoint'?");
    assertRejected(
        Map.of("sessions.settle_dely", "1s"),
        "unknown config key 'sessions.settle_dely' in --set; did you mean"
            + " 'sessions.settle_delay'?");
    assertRejected(
        Map.of("nothing.like.it", "1"),
        "unknown config key 'nothing.like.it' in --set; known keys: admin.allowed_hosts,"
            + " admin.api_token,");
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

  @Test
  void spoolSyncSettings() throws Exception {
    CollectorConfig.Forward defaults = ConfigLoader.load(null, Map.of(), Map.of()).forward();
    assertThat(defaults.spoolSync()).isEqualTo(CollectorConfig.Forward.SpoolSync.NONE);
    assertThat(defaults.spoolSyncInterval()).isEqualTo(java.time.Duration.ofSeconds(1));
    CollectorConfig.Forward f =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of("forward.spool.sync", "interval", "forward.spool.sync_interval", "250ms"))
            .forward();
    assertThat(f.spoolSync()).isEqualTo(CollectorConfig.Forward.SpoolSync.INTERVAL);
    assertThat(f.spoolSyncInterval()).isEqualTo(java.time.Duration.ofMillis(250));
    assertRejected(
        Map.of("forward.spool.sync", "fsync"),
        "forward.spool.sync: 'fsync' is not one of none, interval, always");
  }

  @Test
  void anUnknownEnvironmentVariableIsAnErrorLikeAnUnknownKey() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of("HERMES_COLLECTOR_SESSIONS_SETTLE_DELY", "1s"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "unknown environment variable HERMES_COLLECTOR_SESSIONS_SETTLE_DELY; did you mean"
                + " HERMES_COLLECTOR_SESSIONS_SETTLE_DELAY?");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("HERMES_COLLECTOR_WHATEVER_ELSE", "1"), Map.of()))
        .hasMessageStartingWith("unknown environment variable HERMES_COLLECTOR_WHATEVER_ELSE (");
  }

  @Test
  void effectiveValuesNameTheirSourceAndSecretsAreRedacted() throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "sessions:\n  max_live: 7\nadmin:\n  api_token: s3cret\n");
    Map<String, Setting> e =
        ConfigLoader.effectiveChecked(
            f,
            Map.of("HERMES_COLLECTOR_SESSIONS_FINISHED_KEPT", "3"),
            Map.of("forward.headers", "Authorization=Bearer abc,X-Team=ops"));
    assertThat(e.get("sessions.max_live")).isEqualTo(new Setting("7", Setting.Source.FILE));
    assertThat(e.get("sessions.finished_kept").source()).isEqualTo(Setting.Source.ENV);
    assertThat(e.get("forward.headers").source()).isEqualTo(Setting.Source.FLAG);
    assertThat(e.get("sessions.settle_delay")).isEqualTo(new Setting("5s", Setting.Source.DEFAULT));
    assertThat(e.get("admin.api_token").shown("admin.api_token")).isEqualTo("<redacted>");
    assertThat(e.get("forward.headers").shown("forward.headers"))
        .isEqualTo("Authorization=<redacted>,X-Team=<redacted>");
    assertThat(Setting.isSecret("some.db_password")).isTrue();
    assertThat(Setting.isSecret("forward.endpoint")).isFalse();
  }

  @Test
  void forwardClosedSetsAreEnums() throws Exception {
    CollectorConfig.Forward defaults = ConfigLoader.load(null, Map.of(), Map.of()).forward();
    assertThat(defaults.protocol()).isEqualTo(CollectorConfig.Forward.Protocol.GRPC);
    assertThat(defaults.onFull()).isEqualTo(CollectorConfig.Forward.OnFull.BACKPRESSURE);
    CollectorConfig.Forward f =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of("forward.protocol", "http/protobuf", "forward.on_full", "drop_oldest"))
            .forward();
    assertThat(f.protocol()).isEqualTo(CollectorConfig.Forward.Protocol.HTTP_PROTOBUF);
    assertThat(f.onFull()).isEqualTo(CollectorConfig.Forward.OnFull.DROP_OLDEST);
    assertRejected(
        Map.of("forward.protocol", "HTTP_PROTOBUF"),
        "forward.protocol: 'HTTP_PROTOBUF' is not one of grpc, http/protobuf");
    assertRejected(
        Map.of("forward.on_full", "block"),
        "forward.on_full: 'block' is not one of backpressure, drop_oldest");
  }

  @Test
  void explorerAndStreamSettings() throws Exception {
    CollectorConfig.Admin a = ConfigLoader.load(null, Map.of(), Map.of()).admin();
    assertThat(a.maxStreamSubscribers()).isEqualTo(32);
    assertThat(a.streamBufferBytes()).isEqualTo(1 << 20);
    assertThat(a.streamQueueEvents()).isEqualTo(8192);
    assertThat(a.jaegerUrl()).isEmpty();
    assertThat(
            ConfigLoader.load(null, Map.of(), Map.of("ui.jaeger_url", "http://localhost:16686/"))
                .admin()
                .jaegerUrl())
        .isEqualTo("http://localhost:16686");
    assertRejected(
        Map.of("ui.jaeger_url", "javascript:alert(1)"),
        "ui.jaeger_url: 'javascript:alert(1)' is not an http:// or https:// URL");
    assertRejected(
        Map.of("admin.max_stream_subscribers", "-1"),
        "admin.max_stream_subscribers: '-1' is not an integer from 0 to 10000");
  }

  private static void assertRejected(Map<String, String> flags, String messageStart) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), flags))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(messageStart);
  }

  @Test
  void guardsHaveDocumentedDefaultsAndRefuseBadValues() throws Exception {
    CollectorConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.guards())
        .isEqualTo(new CollectorConfig.Guards(5, 50, 0, 0, 0, Duration.ZERO, 4, 1024));
    CollectorConfig set =
        ConfigLoader.load(
            null,
            Map.of("HERMES_COLLECTOR_GUARDS_SESSION_COST_USD", "2.50"),
            Map.of(
                "guards.tool_repeat", "0",
                "guards.session_tokens", "2000000000",
                "guards.session_duration", "2h",
                "guards.session_llm_calls", "500"));
    assertThat(set.guards())
        .isEqualTo(
            new CollectorConfig.Guards(
                0, 50, 500, 2_000_000_000L, 2.5, Duration.ofHours(2), 4, 1024));
    assertThat(
            ConfigLoader.load(null, Map.of(), Map.of("guards.session_duration", "0"))
                .guards()
                .sessionDuration())
        .isZero();
    for (String[] bad :
        new String[][] {
          {"guards.tool_repeat", "-1"},
          {"guards.turn_llm_calls", "many"},
          {"guards.session_tokens", "1e6"},
          {"guards.session_cost_usd", "-3"},
          {"guards.session_cost_usd", "five"},
          {"guards.session_duration", "2 days"},
          {"guards.max_running_turns", "0"},
          {"guards.max_tool_calls_per_turn", "8"}
        }) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of(bad[0], bad[1])))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(bad[0])
          .hasMessageContaining("'" + bad[1] + "'");
    }
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

  @Test
  void guardWebhookKeys() throws Exception {
    CollectorConfig.GuardWebhook off = ConfigLoader.load(null, Map.of(), Map.of()).guardWebhook();
    assertThat(off)
        .isEqualTo(new CollectorConfig.GuardWebhook(null, null, Duration.ofSeconds(2), 3, 1000));
    Path secret = dir.resolve("webhook.secret");
    Files.writeString(secret, "s3cret\n");
    CollectorConfig.GuardWebhook on =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of(
                    "guards.webhook_url", "https://controller.internal:8443/hermes/trips?t=1",
                    "guards.webhook_secret_file", secret.toString(),
                    "guards.webhook_timeout", "500ms",
                    "guards.webhook_retries", "0",
                    "guards.webhook_queue", "10"))
            .guardWebhook();
    assertThat(on.url()).hasToString("https://controller.internal:8443/hermes/trips?t=1");
    assertThat(on.secretFile()).isEqualTo(secret);
    assertThat(on.timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(on.retries()).isZero();
    assertThat(on.queue()).isEqualTo(10);
    // The URL is never echoed: webhook URLs often carry their token.
    for (String bad :
        List.of(
            "ftp://controller/x",
            "controller.internal/trips",
            "https:///only-a-path",
            "http://h/x#frag")) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("guards.webhook_url", bad)))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("guards.webhook_url: not an http:// or https:// URL")
          .hasMessageNotContaining(bad);
    }
    assertRejected(
        Map.of("guards.webhook_secret_file", dir.resolve("missing").toString()),
        "guards.webhook_secret_file: '" + dir.resolve("missing") + "' is not a readable file");
    assertRejected(
        Map.of("guards.webhook_timeout", "10"), "guards.webhook_timeout: '10' is not a duration");
    assertRejected(
        Map.of("guards.webhook_retries", "-1"),
        "guards.webhook_retries: '-1' is not an integer from 0 to 20");
    assertRejected(
        Map.of("guards.webhook_queue", "0"),
        "guards.webhook_queue: '0' is not an integer from 1 to 1000000");
    assertThat(Setting.isSecret("guards.webhook_url")).isTrue();
  }

  @Test
  void metricsRequestBoundsHaveDocumentedDefaultsAndRefuseBadValues() throws Exception {
    CollectorConfig.Metrics m = ConfigLoader.load(null, Map.of(), Map.of()).metrics();
    hermes.collector.ingest.Ingest.MetricsBounds d =
        hermes.collector.ingest.Ingest.MetricsBounds.DEFAULT;
    assertThat(m.bridgeMaxPointsPerRequest()).isEqualTo(d.maxPoints()).isEqualTo(100_000);
    assertThat(m.bridgeMaxAttributesPerRequest()).isEqualTo(d.maxAttributes()).isEqualTo(100_000);
    assertThat(m.bridgeMaxMessagesPerRequest()).isEqualTo(d.maxMessages()).isEqualTo(500_000);
    CollectorConfig.Metrics compat =
        new CollectorConfig.Metrics(256, "hermes", Duration.ofMinutes(5), 10_000, 256);
    assertThat(compat.bridgeMaxPointsPerRequest()).isEqualTo(d.maxPoints());
    assertThat(compat.bridgeMaxAttributesPerRequest()).isEqualTo(d.maxAttributes());
    assertThat(compat.bridgeMaxMessagesPerRequest()).isEqualTo(d.maxMessages());
    assertRejected(
        Map.of("metrics.bridge.max_points_per_request", "0"),
        "metrics.bridge.max_points_per_request: '0' is not an integer from 1 to 10000000");
    assertRejected(
        Map.of("metrics.bridge.max_attributes_per_request", "many"),
        "metrics.bridge.max_attributes_per_request: 'many' is not an integer from 1 to 10000000");
    assertRejected(
        Map.of("metrics.bridge.max_messages_per_request", "-1"),
        "metrics.bridge.max_messages_per_request: '-1' is not an integer from 1 to 100000000");
  }
}
