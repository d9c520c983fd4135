package hermes.collector.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One counter series, counted in integer units (tokens, calls, pico-dollars) so sums are exact.
 *
 * <p>Threading: as {@link HistogramSeries}: every recording thread adds to its own {@link Writer}
 * (plain adds made visible with opaque writes, no locked instruction), found once per thread and
 * label set by its caller; {@link #units} sums the writers' shares, each of which only grows, so a
 * scrape sees a monotonic counter. The exemplar is shared (racy replacement at most once a second
 * is fine: any recent trace will do).
 */
final class CounterSeries {
  private static final VarHandle UNITS;

  static {
    try {
      UNITS = MethodHandles.lookup().findVarHandle(Writer.class, "units", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final List<String> labels;
  private final Shares<Writer> writers = new Shares<>(new Writer[0], Writer::new);
  private volatile Exemplar exemplar;

  /** One recording thread's share. Written by its thread only. */
  final class Writer {
    private long units; // written by the owner (opaque), read by scrapes (opaque)

    void add(long n) {
      UNITS.setOpaque(this, units + n);
    }

    /** As {@link #add(long)}, with the trace for the exemplar, at {@code now} (ms). */
    void add(long n, long traceHigh, long traceLow, double baseValue, long now) {
      UNITS.setOpaque(this, units + n);
      if (Exemplar.due(exemplar, now)) {
        exemplar = new Exemplar(traceHigh, traceLow, baseValue, now);
      }
    }
  }

  CounterSeries(List<String> labels) {
    this.labels = labels;
  }

  /**
   * The share of writer {@code slot} (a number unique to the recording thread within its {@link
   * AgentMetrics}), made on first use. Only that thread may add through it.
   */
  Writer writer(int slot) {
    return writers.of(slot);
  }

  long units() {
    long s = 0;
    for (Writer w : writers.all()) {
      if (w != null) {
        s += (long) UNITS.getOpaque(w);
      }
    }
    return s;
  }

  Exemplar exemplar() {
    return exemplar;
  }
}
