package hermes.collector.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One histogram series. Observations are integers in the metric's recording unit (nanoseconds,
 * tokens, pico-dollars), compared exactly against the bucket bounds, so bucket counts are exact at
 * decimal edges like 300 s or $5, which HdrHistogram's power-of-two sub-buckets would blur; the
 * same observation goes into an HdrHistogram recorder for exact-enough quantiles (2 significant
 * digits) on {@code /api/stats}.
 *
 * <p>Threading: every recording thread writes its own {@link Writer} (found once per thread and
 * label set by its caller, {@link #writer}), and only that thread writes it: bucket counts and the
 * sum are plain stores made visible with opaque writes, the recorder is HdrHistogram's
 * single-writer one. The assembler's shard threads record the same series all the time; shared
 * atomics made them fight over cache lines (a quarter of their time, measured), and even
 * uncontended, the ~6 locked instructions per observation (striped counts, a {@code LongAdder} sum,
 * a concurrent recorder) were the most of an LLM call's recording. Readers ({@link
 * #cumulativeCounts}, {@link #quantiles}) may run concurrently with writers and sum the writers'
 * shares: each share only grows, so a scrape sees monotonic counts, and its {@code +Inf} is its
 * count by construction (a count may lead its sum by the observation in flight).
 */
final class HistogramSeries {
  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle SUM;

  static {
    try {
      SUM = MethodHandles.lookup().findVarHandle(Writer.class, "sum", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final List<String> labels;
  private final long[] bounds; // in recording units, increasing; +Inf implied
  private final long hdrDivisor;
  private final AtomicReferenceArray<Exemplar> exemplars;
  private final Shares<Writer> writers = new Shares<>(new Writer[0], Writer::new);
  private Histogram accumulated; // reader side, guarded by this

  /** One recording thread's share: bucket counts, sum and recorder. Written by its thread only. */
  final class Writer {
    private final long[] counts = new long[bounds.length + 1];
    private final SingleWriterRecorder recorder = new SingleWriterRecorder(2);
    private long sum; // written by the owner (opaque), read by scrapes (opaque)

    /**
     * Records {@code units} (clamped at 0); with a trace for the exemplar, or {@code traceHigh ==
     * traceLow == 0} for none, at {@code now} (ms; read once per call by the caller, which updates
     * several series).
     */
    void observe(long units, long traceHigh, long traceLow, double baseValue, long now) {
      long v = Math.max(0, units);
      int i = bucketOf(v);
      long[] c = counts;
      COUNTS.setOpaque(c, i, c[i] + 1);
      SUM.setOpaque(this, sum + v);
      recorder.recordValue(v / hdrDivisor);
      if (traceHigh != 0 || traceLow != 0) {
        if (Exemplar.due(exemplars.get(i), now)) {
          exemplars.set(i, new Exemplar(traceHigh, traceLow, baseValue, now));
        }
      }
    }
  }

  HistogramSeries(List<String> labels, long[] bounds, long hdrDivisor) {
    this.labels = labels;
    this.bounds = bounds;
    this.hdrDivisor = hdrDivisor;
    this.exemplars = new AtomicReferenceArray<>(bounds.length + 1);
  }

  /**
   * The share of writer {@code slot} (a number unique to the recording thread within its {@link
   * AgentMetrics}), made on first use. Only that thread may record through it.
   */
  Writer writer(int slot) {
    return writers.of(slot);
  }

  /** The first bucket whose bound is >= {@code v}; {@code bounds.length} for +Inf. */
  private int bucketOf(long v) {
    // Branch-free count of the bounds below v: observations land all over the buckets, and a
    // binary search's mispredicted branches cost more than reading the ~10 bounds.
    long[] b = bounds;
    int n = 0;
    for (int k = 0; k < b.length; k++) {
      n += b[k] < v ? 1 : 0;
    }
    return n;
  }

  /** Cumulative counts per bound, the last for +Inf (which is the total count). */
  long[] cumulativeCounts() {
    long[] out = new long[bounds.length + 1];
    for (Writer w : writers.all()) {
      for (int i = 0; w != null && i < out.length; i++) {
        out[i] += (long) COUNTS.getOpaque(w.counts, i);
      }
    }
    for (int i = 1; i < out.length; i++) {
      out[i] += out[i - 1];
    }
    return out;
  }

  /** The sum, in recording units. */
  long sumUnits() {
    long s = 0;
    for (Writer w : writers.all()) {
      if (w != null) {
        s += (long) SUM.getOpaque(w);
      }
    }
    return s;
  }

  Exemplar exemplar(int bucket) {
    return exemplars.get(bucket);
  }

  /** Quantiles of everything recorded so far, in recording units (HdrHistogram precision). */
  synchronized double[] quantiles(double... qs) {
    for (Writer w : writers.all()) {
      if (w == null) {
        continue;
      }
      Histogram interval = w.recorder.getIntervalHistogram();
      if (accumulated == null) {
        accumulated = interval.copy();
      } else {
        accumulated.add(interval);
      }
    }
    if (accumulated == null) {
      return new double[qs.length + 1];
    }
    double[] out = new double[qs.length + 1];
    for (int i = 0; i < qs.length; i++) {
      out[i] = (double) accumulated.getValueAtPercentile(qs[i] * 100) * hdrDivisor;
    }
    out[qs.length] = (double) accumulated.getMaxValue() * hdrDivisor;
    return out;
  }
}
