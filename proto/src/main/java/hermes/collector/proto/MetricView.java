package hermes.collector.proto;

import java.nio.charset.StandardCharsets;

/**
 * One metric of an OTLP metrics request: name, description, unit, data type, temporality and
 * monotonicity, known before its points are visited. A reusable view; valid only during {@link
 * MetricsVisitor#metric} and the {@link MetricsVisitor#point} calls that follow.
 */
public final class MetricView {
  /** The kind of data a metric carries. */
  public enum Type {
    /** No data field. */
    NONE,
    /** {@code Gauge}. */
    GAUGE,
    /** {@code Sum}. */
    SUM,
    /** {@code Histogram}. */
    HISTOGRAM,
    /** {@code ExponentialHistogram}. */
    EXPONENTIAL_HISTOGRAM,
    /** {@code Summary}. */
    SUMMARY
  }

  /** {@code AGGREGATION_TEMPORALITY_DELTA}. */
  public static final int DELTA = 1;

  /** {@code AGGREGATION_TEMPORALITY_CUMULATIVE}. */
  public static final int CUMULATIVE = 2;

  private byte[] buf = new byte[0];
  int nameOffset;
  int nameLength;
  int descriptionOffset;
  int descriptionLength;
  int unitOffset;
  int unitLength;
  Type type = Type.NONE;
  int temporality;
  boolean monotonic;

  void reset(byte[] buffer) {
    buf = buffer;
    nameOffset = nameLength = descriptionOffset = descriptionLength = unitOffset = unitLength = 0;
    type = Type.NONE;
    temporality = 0;
    monotonic = false;
  }

  /** The metric name (allocates). */
  public String name() {
    return new String(buf, nameOffset, nameLength, StandardCharsets.UTF_8);
  }

  /** The description (allocates). */
  public String description() {
    return new String(buf, descriptionOffset, descriptionLength, StandardCharsets.UTF_8);
  }

  /** The UCUM unit (allocates). */
  public String unit() {
    return new String(buf, unitOffset, unitLength, StandardCharsets.UTF_8);
  }

  /** The data type. */
  public Type type() {
    return type;
  }

  /** The aggregation temporality ({@link #DELTA}, {@link #CUMULATIVE}, 0 unspecified). */
  public int temporality() {
    return temporality;
  }

  /** Whether a sum is monotonic. */
  public boolean monotonic() {
    return monotonic;
  }
}
