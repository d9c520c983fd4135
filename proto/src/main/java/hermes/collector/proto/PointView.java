package hermes.collector.proto;

import java.util.Arrays;

/**
 * One data point of any type, as a reusable view: number points (gauge, sum), histogram,
 * exponential histogram and summary points. Arrays are reused and longer than their content: read
 * them up to the matching count. Valid only during {@link MetricsVisitor#point}.
 */
public final class PointView {
  private final Attributes attributes;
  MetricView.Type type = MetricView.Type.NONE;
  long startTimeUnixNano;
  long timeUnixNano;
  int flags;
  boolean isInt;
  long intValue;
  double doubleValue;
  long count;
  boolean hasSum;
  double sum;
  long[] bucketCounts = new long[16];
  int bucketCountsLength;
  double[] explicitBounds = new double[16];
  int explicitBoundsLength;
  int scale;
  long zeroCount;
  double zeroThreshold;
  int positiveOffset;
  long[] positiveCounts = new long[16];
  int positiveLength;
  int negativeOffset;
  long[] negativeCounts = new long[16];
  int negativeLength;
  double[] quantiles = new double[8];
  double[] quantileValues = new double[8];
  int quantilesLength;

  PointView(ReaderLimits limits) {
    attributes = new Attributes(limits.maxAttributesPerMessage(), limits.maxAttributeDepth());
  }

  void reset(byte[] buffer, MetricView.Type t) {
    attributes.reset(buffer);
    type = t;
    startTimeUnixNano = timeUnixNano = 0;
    flags = 0;
    isInt = false;
    intValue = 0;
    doubleValue = 0;
    count = 0;
    hasSum = false;
    sum = 0;
    bucketCountsLength = explicitBoundsLength = 0;
    scale = 0;
    zeroCount = 0;
    zeroThreshold = 0;
    positiveOffset = negativeOffset = 0;
    positiveLength = negativeLength = 0;
    quantilesLength = 0;
  }

  static long[] grow(long[] a, int needed) {
    return needed <= a.length ? a : Arrays.copyOf(a, Math.max(needed, a.length * 2));
  }

  static double[] grow(double[] a, int needed) {
    return needed <= a.length ? a : Arrays.copyOf(a, Math.max(needed, a.length * 2));
  }

  /** The point's type (the metric's). */
  public MetricView.Type type() {
    return type;
  }

  /** The point's attributes. */
  public Attributes attributes() {
    return attributes;
  }

  /** Start of the aggregation interval, ns since the epoch. */
  public long startTimeUnixNano() {
    return startTimeUnixNano;
  }

  /** Time of the point, ns since the epoch. */
  public long timeUnixNano() {
    return timeUnixNano;
  }

  /** The point's flags (bit 0: no recorded value). */
  public int flags() {
    return flags;
  }

  /** Number points: whether the value is an int. */
  public boolean isInt() {
    return isInt;
  }

  /** Number points: the value as a double (ints converted). */
  public double value() {
    return isInt ? intValue : doubleValue;
  }

  /** Number points: the int value. */
  public long intValue() {
    return intValue;
  }

  /** Histogram, exponential histogram, summary: the count. */
  public long count() {
    return count;
  }

  /** Whether the (optional) sum is present; always true for summaries. */
  public boolean hasSum() {
    return hasSum;
  }

  /** The sum. */
  public double sum() {
    return sum;
  }

  /** Histograms: the bucket counts array (first {@link #bucketCountsLength()} entries). */
  public long[] bucketCounts() {
    return bucketCounts;
  }

  /** Histograms: how many bucket counts. */
  public int bucketCountsLength() {
    return bucketCountsLength;
  }

  /** Histograms: the explicit bounds (first {@link #explicitBoundsLength()} entries). */
  public double[] explicitBounds() {
    return explicitBounds;
  }

  /** Histograms: how many bounds. */
  public int explicitBoundsLength() {
    return explicitBoundsLength;
  }

  /** Exponential histograms: the scale. */
  public int scale() {
    return scale;
  }

  /** Exponential histograms: the zero count. */
  public long zeroCount() {
    return zeroCount;
  }

  /** Exponential histograms: the zero threshold. */
  public double zeroThreshold() {
    return zeroThreshold;
  }

  /** Exponential histograms: the positive buckets' offset. */
  public int positiveOffset() {
    return positiveOffset;
  }

  /** Exponential histograms: positive bucket counts (first {@link #positiveLength()}). */
  public long[] positiveCounts() {
    return positiveCounts;
  }

  /** Exponential histograms: how many positive buckets. */
  public int positiveLength() {
    return positiveLength;
  }

  /** Exponential histograms: the negative buckets' offset. */
  public int negativeOffset() {
    return negativeOffset;
  }

  /** Exponential histograms: negative bucket counts (first {@link #negativeLength()}). */
  public long[] negativeCounts() {
    return negativeCounts;
  }

  /** Exponential histograms: how many negative buckets. */
  public int negativeLength() {
    return negativeLength;
  }

  /** Summaries: the quantiles (first {@link #quantilesLength()}). */
  public double[] quantiles() {
    return quantiles;
  }

  /** Summaries: the values at the quantiles. */
  public double[] quantileValues() {
    return quantileValues;
  }

  /** Summaries: how many quantiles. */
  public int quantilesLength() {
    return quantilesLength;
  }
}
