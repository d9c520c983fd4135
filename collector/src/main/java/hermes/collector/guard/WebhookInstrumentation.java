package hermes.collector.guard;

import java.util.function.IntSupplier;

/**
 * What the guard webhook reports about itself: the one seam between it and its telemetry. The
 * webhook knows nothing of Prometheus; {@code hermes.collector.metrics} renders these as {@code
 * hermes_collector_guard_webhook_*}.
 *
 * <p>Threading: {@link #dropped} with {@code queue_full} or {@code shutdown} is called on the
 * assembler's shard threads, concurrently; the other events on the webhook's sender thread. An
 * implementation must be thread-safe and must not block. {@link #queue} is called once, by the
 * constructor; its supplier is thread-safe and may be read from any thread.
 */
public interface WebhookInstrumentation {
  /** Trips not delivered because the queue was full ({@code guards.webhook_queue}). */
  String QUEUE_FULL = "queue_full";

  /** Trips not delivered because every attempt failed ({@code guards.webhook_retries}). */
  String RETRIES_EXHAUSTED = "retries_exhausted";

  /** Trips the receiver refused for good (a 4xx other than 408 and 429, or a redirect). */
  String REJECTED = "rejected";

  /** Trips still queued, or tripped, when the collector stopped and its grace period ran out. */
  String SHUTDOWN = "shutdown";

  /**
   * The queue's state, read when telemetry is collected.
   *
   * @param capacity the bound ({@code guards.webhook_queue})
   * @param depth trips waiting to be sent
   */
  void queue(int capacity, IntSupplier depth);

  /** The receiver accepted a trip (a 2xx answer). */
  void sent();

  /**
   * A delivery attempt failed.
   *
   * @param reason {@code connect}, {@code timeout}, {@code io}, or {@code http_<status>}
   */
  void failed(String reason);

  /** A failed attempt is retried after its backoff. */
  void retried();

  /**
   * A trip will not be delivered.
   *
   * @param reason {@link #QUEUE_FULL}, {@link #RETRIES_EXHAUSTED}, {@link #REJECTED} or {@link
   *     #SHUTDOWN}
   */
  void dropped(String reason);

  /** Reports nothing (tests, benchmarks). */
  WebhookInstrumentation NOOP =
      new WebhookInstrumentation() {
        @Override
        public void queue(int capacity, IntSupplier depth) {}

        @Override
        public void sent() {}

        @Override
        public void failed(String reason) {}

        @Override
        public void retried() {}

        @Override
        public void dropped(String reason) {}
      };
}
