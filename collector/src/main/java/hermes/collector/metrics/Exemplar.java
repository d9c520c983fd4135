package hermes.collector.metrics;

/**
 * The trace behind one observation, for OpenMetrics exemplars: a dashboard jumps from a spike to
 * the trace in Jaeger. Immutable.
 *
 * @param traceIdHigh high half of the trace id
 * @param traceIdLow low half of the trace id
 * @param value the observed value, in the metric's base unit
 * @param timestampMs when it was observed
 */
record Exemplar(long traceIdHigh, long traceIdLow, double value, long timestampMs) {
  /** At most one new exemplar per series (or bucket) per this many milliseconds. */
  static final long MIN_INTERVAL_MS = 1000;

  io.prometheus.client.exemplars.Exemplar toPrometheus() {
    return new io.prometheus.client.exemplars.Exemplar(
        value, timestampMs, "trace_id", String.format("%016x%016x", traceIdHigh, traceIdLow));
  }

  /** Whether a new exemplar should replace {@code current} now. */
  static boolean due(Exemplar current, long nowMs) {
    return current == null || nowMs - current.timestampMs() >= MIN_INTERVAL_MS;
  }
}
