package hermes.collector.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One counter series, counted in integer units (tokens, calls, pico-dollars) so sums are exact.
 * Threading: lock-free, safe from any thread.
 */
final class CounterSeries {
  final List<String> labels;
  private final LongAdder units = new LongAdder();
  private volatile Exemplar exemplar;

  CounterSeries(List<String> labels) {
    this.labels = labels;
  }

  void add(long n) {
    units.add(n);
  }

  void add(long n, long traceHigh, long traceLow, double baseValue) {
    add(n, traceHigh, traceLow, baseValue, System.currentTimeMillis());
  }

  /** As {@link #add(long, long, long, double)}, at {@code now} (ms): one clock read per call. */
  void add(long n, long traceHigh, long traceLow, double baseValue, long now) {
    units.add(n);
    if (Exemplar.due(exemplar, now)) {
      exemplar = new Exemplar(traceHigh, traceLow, baseValue, now);
    }
  }

  long units() {
    return units.sum();
  }

  Exemplar exemplar() {
    return exemplar;
  }
}
