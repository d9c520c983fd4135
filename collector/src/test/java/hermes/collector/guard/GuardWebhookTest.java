package hermes.collector.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.config.ConfigException;
import hermes.collector.session.Guard;
import hermes.collector.session.GuardTrip;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard webhook against a real HTTP receiver on loopback: one signed POST per trip, retries
 * through an outage, and every trip it cannot deliver counted with its reason.
 */
class GuardWebhookTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long AT =
      Instant.parse("2026-04-15T10:15:00.123Z").getEpochSecond() * 1_000_000_000L + 123_456_789L;

  @TempDir Path dir;
  private final Counts counts = new Counts();
  private WebhookReceiver receiver;
  private GuardWebhook webhook;

  @AfterEach
  void stop() {
    if (webhook != null) {
      webhook.close(Duration.ofSeconds(1));
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  /** Every report, by name ("sent", "failed:connect", "dropped:queue_full", ...). */
  static final class Counts implements WebhookInstrumentation {
    final Map<String, AtomicInteger> n = new ConcurrentHashMap<>();
    volatile IntSupplier depth = () -> -1;
    volatile int capacity;

    int get(String key) {
      AtomicInteger i = n.get(key);
      return i == null ? 0 : i.get();
    }

    private void add(String key) {
      n.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void queue(int capacity, IntSupplier depth) {
      this.capacity = capacity;
      this.depth = depth;
    }

    @Override
    public void sent() {
      add("sent");
    }

    @Override
    public void failed(String reason) {
      add("failed:" + reason);
    }

    @Override
    public void retried() {
      add("retried");
    }

    @Override
    public void dropped(String reason) {
      add("dropped:" + reason);
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  private static GuardTrip trip(Guard guard, String key, double value, double limit) {
    return new GuardTrip(
        guard, key, "support-bot", value, limit, "5b8efff798038103d269b633813fc60c", AT);
  }

  private GuardWebhook webhook(String url, byte[] secret, int retries, int capacity) {
    return new GuardWebhook(
        URI.create(url),
        secret,
        Duration.ofSeconds(5),
        retries,
        capacity,
        Duration.ofMillis(20),
        counts);
  }

  @Test
  void eachTripIsOneSignedJsonPost() throws Exception {
    receiver = WebhookReceiver.start();
    Path secretFile = dir.resolve("secret");
    Files.writeString(secretFile, "  s3cret-key\n");
    webhook = webhook(receiver.url("/hooks/hermes"), GuardWebhook.secret(secretFile), 3, 10);
    webhook.start();

    webhook.guardTripped(trip(Guard.TOOL_REPEAT, "20260415_101500_ab12", 5, 5));
    webhook.guardTripped(
        new GuardTrip(
            Guard.SESSION_COST_USD,
            "s-\"quoted\"\n",
            null,
            1.25,
            1,
            "0af7651916cd43dd8448eb211c80319c",
            AT));

    WebhookReceiver.Delivery first = receiver.take();
    assertThat(first.method()).isEqualTo("POST");
    assertThat(first.path()).isEqualTo("/hooks/hermes");
    assertThat(first.header("Content-Type")).isEqualTo("application/json");
    assertThat(first.header("X-Hermes-Signature")).startsWith("sha256=");
    // The secret is the file's content trimmed; the timestamp is signed with the body.
    assertThat(first.signedWith("s3cret-key")).isTrue();
    assertThat(first.signedWith("  s3cret-key\n")).isFalse();
    assertThat(Long.parseLong(first.header("X-Hermes-Timestamp")))
        .isBetween(Instant.now().getEpochSecond() - 600, Instant.now().getEpochSecond() + 600);
    assertThat(first.header("X-Hermes-Delivery")).hasSize(36);
    JsonNode body = JSON.readTree(first.body());
    assertThat(body)
        .isEqualTo(
            JSON.readTree(
                """
                {"session_key": "20260415_101500_ab12", "service": "support-bot",
                 "guard": "tool_repeat", "value": 5, "limit": 5,
                 "trace_id": "5b8efff798038103d269b633813fc60c",
                 "time": "2026-04-15T10:15:00.123Z"}
                """));
    assertThat(first.text()).contains("\"value\":5,"); // a count is an integer, not 5.0

    WebhookReceiver.Delivery second = receiver.take();
    assertThat(second.signedWith("s3cret-key")).isTrue();
    JsonNode cost = JSON.readTree(second.body());
    assertThat(cost.get("session_key").asText()).isEqualTo("s-\"quoted\"\n");
    assertThat(cost.get("service").isNull()).isTrue();
    assertThat(cost.get("guard").asText()).isEqualTo("session_cost_usd");
    assertThat(cost.get("value").asDouble()).isEqualTo(1.25);
    assertThat(cost.get("limit").asInt()).isEqualTo(1);
    assertThat(second.header("X-Hermes-Delivery")).isNotEqualTo(first.header("X-Hermes-Delivery"));

    await(() -> counts.get("sent") == 2, "both counted as sent");
    assertThat(receiver.all()).hasSize(2);
    assertThat(counts.n.keySet()).containsExactly("sent");
  }

  @Test
  void withoutASecretNothingIsSigned() throws Exception {
    receiver = WebhookReceiver.start();
    webhook = webhook(receiver.url("/"), null, 0, 10);
    webhook.start();
    webhook.guardTripped(trip(Guard.TURN_LLM_CALLS, "k", 50, 50));
    WebhookReceiver.Delivery d = receiver.take();
    assertThat(d.header("X-Hermes-Signature")).isNull();
    assertThat(d.header("X-Hermes-Timestamp")).isNotNull();
    assertThat(JSON.readTree(d.body()).get("guard").asText()).isEqualTo("turn_llm_calls");
  }

  @Test
  void anEmptyOrMissingSecretFileIsAConfigError() throws Exception {
    Path empty = dir.resolve("empty");
    Files.writeString(empty, " \n");
    try {
      GuardWebhook.secret(empty);
      throw new AssertionError("an empty secret was taken");
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("guards.webhook_secret_file: '" + empty + "' is empty");
    }
    try {
      GuardWebhook.secret(dir.resolve("gone"));
      throw new AssertionError("a missing secret file was taken");
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("guards.webhook_secret_file: cannot read");
    }
    assertThat(GuardWebhook.secret(null)).isNull();
  }

  @Test
  void aReceiverDownForAWhileGetsTheTripWhenItComesBack() throws Exception {
    int port = WebhookReceiver.closedPort();
    webhook =
        webhook(
            "http://127.0.0.1:" + port + "/trips", "k".getBytes(StandardCharsets.UTF_8), 20, 10);
    webhook.start();
    webhook.guardTripped(trip(Guard.SESSION_TOKENS, "down-then-up", 1_000_000, 1_000_000));

    await(() -> counts.get("failed:connect") >= 2, "two refused connections");
    assertThat(counts.get("sent")).isZero();
    receiver = WebhookReceiver.start(port);

    WebhookReceiver.Delivery d = receiver.take();
    assertThat(JSON.readTree(d.body()).get("session_key").asText()).isEqualTo("down-then-up");
    assertThat(d.signedWith("k")).isTrue(); // re-signed with the attempt's timestamp
    await(() -> counts.get("sent") == 1, "counted as sent");
    assertThat(counts.get("retried")).isGreaterThanOrEqualTo(2);
    assertThat(counts.n.keySet()).noneMatch(k -> k.startsWith("dropped:"));
  }

  @Test
  void serverErrorsAreRetriedAndExhaustedRetriesAreCounted() throws Exception {
    receiver = WebhookReceiver.start().respond(503, 503, 503);
    webhook = webhook(receiver.url("/"), null, 2, 10);
    webhook.start();
    webhook.guardTripped(trip(Guard.SESSION_LLM_CALLS, "flaky", 100, 100));

    await(() -> counts.get("dropped:retries_exhausted") == 1, "the trip counted as not delivered");
    // The first attempt and two retries, the same delivery each time.
    List<WebhookReceiver.Delivery> all = receiver.all();
    assertThat(all).hasSize(3);
    assertThat(all)
        .extracting(d -> d.header("X-Hermes-Delivery"))
        .containsOnly(all.get(0).header("X-Hermes-Delivery"));
    assertThat(counts.get("failed:http_503")).isEqualTo(3);
    assertThat(counts.get("retried")).isEqualTo(2);
    assertThat(counts.get("sent")).isZero();

    // 429 and 5xx are retried: the next trip goes through after one of each.
    receiver.respond(429, 500);
    webhook.guardTripped(trip(Guard.SESSION_LLM_CALLS, "flaky-2", 100, 100));
    await(() -> counts.get("sent") == 1, "delivered after a 429 and a 500");
    assertThat(counts.get("failed:http_429")).isEqualTo(1);
    assertThat(counts.get("failed:http_500")).isEqualTo(1);
  }

  @Test
  void aClientErrorIsNotRetried() throws Exception {
    receiver = WebhookReceiver.start().respond(400, 404);
    webhook = webhook(receiver.url("/"), null, 5, 10);
    webhook.start();
    webhook.guardTripped(trip(Guard.TOOL_REPEAT, "bad", 5, 5));
    webhook.guardTripped(trip(Guard.TOOL_REPEAT, "bad-2", 5, 5));
    await(() -> counts.get("dropped:rejected") == 2, "both counted as rejected");
    assertThat(receiver.all()).hasSize(2);
    assertThat(counts.get("failed:http_400")).isEqualTo(1);
    assertThat(counts.get("failed:http_404")).isEqualTo(1);
    assertThat(counts.get("retried")).isZero();
  }

  @Test
  void aReceiverThatNeverAnswersTimesOut() throws Exception {
    receiver = WebhookReceiver.start().hold();
    webhook =
        new GuardWebhook(
            URI.create(receiver.url("/")),
            null,
            Duration.ofMillis(200),
            1,
            10,
            Duration.ofMillis(20),
            counts);
    webhook.start();
    webhook.guardTripped(trip(Guard.SESSION_DURATION, "hung", 3600, 3600));
    await(() -> counts.get("dropped:retries_exhausted") == 1, "given up after the retry");
    assertThat(counts.get("failed:timeout")).isEqualTo(2);
  }

  @Test
  void aFullQueueDropsAndCountsAndNeverBlocks() throws Exception {
    receiver = WebhookReceiver.start();
    webhook = webhook(receiver.url("/"), null, 0, 2);
    // Not started yet: nothing takes from the queue.
    for (int i = 0; i < 5; i++) {
      webhook.guardTripped(trip(Guard.TOOL_REPEAT, "q-" + i, 5, 5));
    }
    assertThat(counts.get("dropped:queue_full")).isEqualTo(3);
    assertThat(counts.capacity).isEqualTo(2);
    assertThat(counts.depth.getAsInt()).isEqualTo(2);

    webhook.start();
    await(() -> counts.get("sent") == 2, "the queued two sent");
    assertThat(receiver.all())
        .extracting(d -> JSON.readTree(d.body()).get("session_key").asText())
        .containsExactly("q-0", "q-1");
    await(() -> counts.depth.getAsInt() == 0, "the queue empty");
  }

  @Test
  void closeSendsWhatIsQueued() throws Exception {
    receiver = WebhookReceiver.start();
    webhook = webhook(receiver.url("/"), null, 0, 10);
    for (int i = 0; i < 3; i++) {
      webhook.guardTripped(trip(Guard.TOOL_REPEAT, "late-" + i, 5, 5));
    }
    webhook.start();
    webhook.close(Duration.ofSeconds(20));
    assertThat(counts.get("sent")).isEqualTo(3);
    assertThat(receiver.all()).hasSize(3);
    // After close a trip is counted, not queued.
    webhook.guardTripped(trip(Guard.TOOL_REPEAT, "after", 5, 5));
    assertThat(counts.get("dropped:shutdown")).isEqualTo(1);
  }

  @Test
  void closeIsBoundedAndCountsWhatItCouldNotSend() throws Exception {
    receiver = WebhookReceiver.start().hold(); // takes the request and never answers
    webhook =
        new GuardWebhook(
            URI.create(receiver.url("/")),
            null,
            Duration.ofSeconds(60),
            3,
            10,
            Duration.ofMillis(20),
            counts);
    webhook.start();
    for (int i = 0; i < 4; i++) {
      webhook.guardTripped(trip(Guard.TOOL_REPEAT, "stuck-" + i, 5, 5));
    }
    receiver.take(); // the first is in flight, held
    webhook.close(Duration.ofMillis(100));
    // The one in flight cut off and the three queued: all four counted, none sent.
    await(() -> counts.get("dropped:shutdown") == 4, "all four counted as shutdown drops");
    assertThat(counts.get("sent")).isZero();
    assertThat(counts.depth.getAsInt()).isZero();
  }

  @Test
  void timeIsRfc3339() {
    assertThat(TripPayload.time(AT)).isEqualTo("2026-04-15T10:15:00.123Z");
    assertThat(TripPayload.time(0)).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(
            new String(
                TripPayload.json(trip(Guard.SESSION_COST_USD, "k", 0.5, 0.25)),
                StandardCharsets.UTF_8))
        .contains("\"value\":0.5,\"limit\":0.25,");
  }
}
