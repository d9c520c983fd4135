package hermes.collector.metrics;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One histogram series. Observations are integers in the metric's recording unit (nanoseconds,
 * tokens, pico-dollars), compared exactly against the bucket bounds, so bucket counts are exact at
 * decimal edges like 300 s or $5, which HdrHistogram's power-of-two sub-buckets would blur; the
 * same observation goes into an HdrHistogram {@link Recorder} (wait-free) for exact-enough
 * quantiles (2 significant digits) on {@code /api/stats}.
 *
 * <p>Threading: {@link #observe} is lock-free and safe from any thread; readers ({@link
 * #cumulativeCounts}, {@link #quantiles}) may run concurrently with it and see a consistent enough
 * snapshot (a count may lead its sum by the observation in flight). Writers are spread over stripes
 * (bucket counts and recorder), one per recording thread as far as there are stripes: the
 * assembler's shard threads record the same series all the time, and sharing one set of atomics
 * made them fight over its cache lines (a quarter of their time, measured). Readers sum the
 * stripes.
 */
final class HistogramSeries {
  final List<String> labels;
  private final long[] bounds; // in recording units, increasing; +Inf implied
  private final long hdrDivisor;
  private final AtomicReferenceArray<Stripe> stripes = new AtomicReferenceArray<>(STRIPES);
  private final LongAdder sum = new LongAdder();
  private final AtomicReferenceArray<Exemplar> exemplars;
  private Histogram accumulated; // reader side, guarded by this

  /** Stripes per series: a power of two, as many as the machine has cores (at most 8). */
  private static final int STRIPES =
      Integer.highestOneBit(Math.min(8, Runtime.getRuntime().availableProcessors()) * 2 - 1);

  private static final AtomicInteger THREADS = new AtomicInteger();
  // Each recording thread takes the next stripe, round robin: the shard threads, which are the
  // recorders, get distinct ones.
  private static final ThreadLocal<Integer> STRIPE =
      ThreadLocal.withInitial(() -> THREADS.getAndIncrement() & (STRIPES - 1));

  /** One writer's share: bucket counts and a recorder, made when its thread first records. */
  private static final class Stripe {
    final AtomicLongArray buckets;
    // Not the packed variant: its concurrent resize was seen spinning forever under load
    // (HdrHistogram 2.2.2, PackedConcurrentHistogram.resizeStorageArray).
    final Recorder recorder = new Recorder(2);

    Stripe(int buckets) {
      this.buckets = new AtomicLongArray(buckets);
    }
  }

  HistogramSeries(List<String> labels, long[] bounds, long hdrDivisor) {
    this.labels = labels;
    this.bounds = bounds;
    this.hdrDivisor = hdrDivisor;
    this.exemplars = new AtomicReferenceArray<>(bounds.length + 1);
  }

  private Stripe stripe() {
    int i = STRIPE.get();
    Stripe s = stripes.get(i);
    if (s == null) {
      stripes.compareAndSet(i, null, new Stripe(bounds.length + 1));
      s = stripes.get(i);
    }
    return s;
  }

  /**
   * Records {@code units} (clamped at 0); with a trace for the exemplar, or {@code traceHigh ==
   * traceLow == 0} for none.
   */
  void observe(long units, long traceHigh, long traceLow, double baseValue) {
    observe(
        units,
        traceHigh,
        traceLow,
        baseValue,
        traceHigh != 0 || traceLow != 0 ? System.currentTimeMillis() : 0);
  }

  /**
   * As {@link #observe(long, long, long, double)}, at {@code now} (ms; read once per call by the
   * caller, which updates several series).
   */
  void observe(long units, long traceHigh, long traceLow, double baseValue, long now) {
    long v = Math.max(0, units);
    int i = bucketOf(v);
    Stripe stripe = stripe();
    stripe.buckets.incrementAndGet(i);
    sum.add(v);
    stripe.recorder.recordValue(v / hdrDivisor);
    if (traceHigh != 0 || traceLow != 0) {
      if (Exemplar.due(exemplars.get(i), now)) {
        exemplars.set(i, new Exemplar(traceHigh, traceLow, baseValue, now));
      }
    }
  }

  private int bucketOf(long v) {
    int lo = 0;
    int hi = bounds.length;
    while (lo < hi) { // first bound >= v
      int mid = (lo + hi) >>> 1;
      if (bounds[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Cumulative counts per bound, the last for +Inf (which is the total count). */
  long[] cumulativeCounts() {
    long[] out = new long[bounds.length + 1];
    for (int k = 0; k < STRIPES; k++) {
      Stripe s = stripes.get(k);
      for (int i = 0; s != null && i < out.length; i++) {
        out[i] += s.buckets.get(i);
      }
    }
    for (int i = 1; i < out.length; i++) {
      out[i] += out[i - 1];
    }
    return out;
  }

  /** The sum, in recording units. */
  long sumUnits() {
    return sum.sum();
  }

  Exemplar exemplar(int bucket) {
    return exemplars.get(bucket);
  }

  /** Quantiles of everything recorded so far, in recording units (HdrHistogram precision). */
  synchronized double[] quantiles(double... qs) {
    for (int k = 0; k < STRIPES; k++) {
      Stripe s = stripes.get(k);
      if (s == null) {
        continue;
      }
      Histogram interval = s.recorder.getIntervalHistogram();
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
