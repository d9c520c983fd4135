package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.guard.WebhookReceiver;
import hermes.collector.session.Guard;
import hermes.collector.session.GuardTrip;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard webhook as the collector wires it from {@code guards.webhook_*}: a trip passed down the
 * assembler's listener chain reaches a real receiver, signed with the secret file's key, and the
 * webhook's metrics are on {@code /metrics}. (The trip is fired into the chain here; {@code
 * GuardWebhookIT} drives one with a looping agent.)
 */
@Timeout(120)
class GuardWebhookWiringIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aTripInTheListenerChainIsPostedSignedAndCounted() throws Exception {
    Path secret = dir.resolve("webhook.secret");
    Files.writeString(secret, "wiring-secret\n");
    try (WebhookReceiver receiver = WebhookReceiver.start();
        Collector c =
            TestCollectors.startFull(
                "guards.webhook_url", receiver.url("/hermes/trips"),
                "guards.webhook_secret_file", secret.toString())) {
      c.listeners()
          .guardTripped(
              new GuardTrip(
                  Guard.SESSION_COST_USD,
                  "wired-1",
                  "svc",
                  2.5,
                  2,
                  "4bf92f3577b34da6a3ce929d0e0e4736",
                  System.currentTimeMillis() * 1_000_000L));

      WebhookReceiver.Delivery d = receiver.take();
      assertThat(d.path()).isEqualTo("/hermes/trips");
      assertThat(d.signedWith("wiring-secret")).isTrue();
      JsonNode body = JSON.readTree(d.body());
      assertThat(body.get("session_key").asText()).isEqualTo("wired-1");
      assertThat(body.get("guard").asText()).isEqualTo("session_cost_usd");
      assertThat(body.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");

      long deadline = System.nanoTime() + 30_000_000_000L;
      while (TestCollectors.sample(c, "hermes_collector_guard_webhook_sent_total") != 1) {
        assertThat(System.nanoTime()).as("sent counted within 30 s").isLessThan(deadline);
        Thread.sleep(20); // polls the condition
      }
      String metrics = TestCollectors.scrape(c);
      assertThat(metrics)
          .contains("hermes_collector_guard_webhook_queue_capacity 1000.0")
          .contains("hermes_collector_guard_webhook_queue_depth 0.0")
          .contains("hermes_collector_guard_webhook_dropped_total{reason=\"queue_full\",} 0.0")
          .contains(
              "hermes_collector_guard_webhook_dropped_total{reason=\"retries_exhausted\",} 0.0")
          .contains("hermes_collector_guard_webhook_retries_total 0.0");
    }
  }

  @Test
  void withoutAUrlThereIsNoWebhook() throws Exception {
    try (Collector c = TestCollectors.startFull()) {
      assertThat(TestCollectors.scrape(c)).doesNotContain("hermes_collector_guard_webhook_");
    }
  }
}
