package hermes.collector.forward;

import java.util.function.LongSupplier;

/**
 * What the forwarder reports about itself: the one seam between it and its telemetry (the way
 * Zipkin's {@code CollectorMetrics} or OpenTelemetry Java's {@code SpanProcessorInstrumentation}
 * work). The forwarder knows nothing of Prometheus; {@code hermes.collector.metrics} renders these
 * as {@code hermes_collector_forward_*}, {@code hermes_collector_spool_*} and {@code
 * hermes_collector_dropped_spans_total}.
 *
 * <p>Threading: the event methods are called on the exporter thread and, rarely ({@link #dropped}
 * of a request that could not be redacted), on I/O threads, concurrently; implementations must be
 * thread-safe and must not block. The registration methods are called once, by the constructor;
 * their suppliers are thread-safe and may be read from any thread.
 */
public interface ForwarderInstrumentation {
  /**
   * The in-memory queue's state, read when telemetry is collected.
   *
   * @param maxBytes the bound ({@code forward.queue_max_bytes})
   * @param bytes bytes queued
   * @param spans spans queued
   */
  void queue(long maxBytes, LongSupplier bytes, LongSupplier spans);

  /**
   * The disk spool's state, read when telemetry is collected; called only when the spool is on.
   *
   * @param maxBytes the bound ({@code forward.spool.max_bytes})
   * @param bytes bytes on disk
   * @param fullDroppedSpans spans dropped with the oldest segment when the spool was full
   * @param tornRecords records found torn or corrupt and skipped
   */
  void spool(
      long maxBytes, LongSupplier bytes, LongSupplier fullDroppedSpans, LongSupplier tornRecords);

  /** The backend accepted {@code spans} spans. */
  void forwarded(long spans);

  /** An export attempt is retried after a retryable failure. */
  void retried();

  /** An export attempt failed, for {@code reason} (a gRPC status or HTTP class, or a cause). */
  void failed(String reason);

  /** {@code spans} accepted spans will not be delivered, for {@code reason}. */
  void dropped(String reason, long spans);

  /** Reports nothing (benchmarks, tests). */
  ForwarderInstrumentation NOOP =
      new ForwarderInstrumentation() {
        @Override
        public void queue(long maxBytes, LongSupplier bytes, LongSupplier spans) {}

        @Override
        public void spool(
            long maxBytes,
            LongSupplier bytes,
            LongSupplier fullDroppedSpans,
            LongSupplier tornRecords) {}

        @Override
        public void forwarded(long spans) {}

        @Override
        public void retried() {}

        @Override
        public void failed(String reason) {}

        @Override
        public void dropped(String reason, long spans) {}
      };
}
