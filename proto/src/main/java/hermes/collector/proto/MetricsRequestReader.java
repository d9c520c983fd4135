package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.metrics.v1.Metric;
import java.io.IOException;
import java.util.Objects;

/**
 * Streams a serialized {@code ExportMetricsServiceRequest} into a {@link MetricsVisitor}: resource,
 * scope, each metric (name, unit, type, temporality known first), then its points of every type
 * (number, histogram, exponential histogram, summary; int and double values). Packed and unpacked
 * repeated fields are both read, as protobuf requires. Exemplars are skipped.
 *
 * <p>Threading: single-threaded and reusable; views point into the caller's buffer. Like {@link
 * TraceRequestReader}, each container is walked twice (header fields first, then children), so
 * fields in any order are read as protobuf would.
 */
public final class MetricsRequestReader {
  private final EnvelopeWalker walker;
  private final MetricView metric = new MetricView();
  private final PointView point;
  private final EnvelopeWalker.Signal signal = new Metrics();
  private MetricsVisitor visitor; // of the request being read

  /** A reader enforcing the given bounds. */
  public MetricsRequestReader(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    walker = new EnvelopeWalker(limits, EnvelopeWalker.METRICS);
    point = new PointView(limits);
  }

  /**
   * Reads one request occupying all of {@code request}.
   *
   * @return the number of points visited
   * @throws MalformedOtlpException when the bytes are not a valid request
   */
  public int read(byte[] request, MetricsVisitor visitor) throws MalformedOtlpException {
    Objects.requireNonNull(request, "request");
    this.visitor = Objects.requireNonNull(visitor, "visitor");
    try {
      return walker.walk(request, signal);
    } finally {
      this.visitor = null;
    }
  }

  /** The metrics side of the envelope walk: each metric read with decoders of its own. */
  private final class Metrics implements EnvelopeWalker.Signal {
    @Override
    public void resource(ResourceView resource) {
      visitor.resource(resource);
    }

    @Override
    public void scope(ScopeView scope) {
      visitor.scope(scope);
    }

    @Override
    public int item(byte[] buf, CodedInputStream in, int base, int off, int len)
        throws IOException, MalformedOtlpException {
      return readMetric(buf, off, len, visitor);
    }
  }

  private static MetricView.Type typeOf(int field) {
    switch (field) {
      case Metric.GAUGE_FIELD_NUMBER:
        return MetricView.Type.GAUGE;
      case Metric.SUM_FIELD_NUMBER:
        return MetricView.Type.SUM;
      case Metric.HISTOGRAM_FIELD_NUMBER:
        return MetricView.Type.HISTOGRAM;
      case Metric.EXPONENTIAL_HISTOGRAM_FIELD_NUMBER:
        return MetricView.Type.EXPONENTIAL_HISTOGRAM;
      case Metric.SUMMARY_FIELD_NUMBER:
        return MetricView.Type.SUMMARY;
      default:
        return null;
    }
  }

  private int readMetric(byte[] buf, int off, int len, MetricsVisitor visitor)
      throws IOException, MalformedOtlpException {
    metric.reset(buf);
    // Pass 1: the header, and the data field's temporality/monotonicity (after its points).
    CodedInputStream in = walker.enter(buf, off, len, "Metric");
    int dataOff = -1;
    int dataLen = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = tag >>> 3;
      MetricView.Type t = (tag & 7) == Wire.LEN ? typeOf(field) : null;
      if (tag == Tags.METRIC_NAME) {
        int l = Wire.length(in, off, field);
        metric.nameOffset = off + in.getTotalBytesRead();
        metric.nameLength = l;
        in.skipRawBytes(l);
      } else if (tag == Tags.METRIC_DESCRIPTION) {
        int l = Wire.length(in, off, field);
        metric.descriptionOffset = off + in.getTotalBytesRead();
        metric.descriptionLength = l;
        in.skipRawBytes(l);
      } else if (tag == Tags.METRIC_UNIT) {
        int l = Wire.length(in, off, field);
        metric.unitOffset = off + in.getTotalBytesRead();
        metric.unitLength = l;
        in.skipRawBytes(l);
      } else if (t != null) {
        int l = Wire.length(in, off, field);
        metric.type = t; // oneof: the last data field wins
        dataOff = off + in.getTotalBytesRead();
        dataLen = l;
        readDataHeader(buf, dataOff, dataLen);
        walker.enter(in, off, "Metric");
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    visitor.metric(metric);
    if (dataOff < 0) {
      return 0;
    }
    // Pass 2: the points.
    int points = 0;
    in = walker.enter(buf, dataOff, dataLen, metric.type.name());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.DATA_POINTS) {
        int l = Wire.length(in, dataOff, tag >>> 3);
        int old = in.pushLimit(l);
        point.reset(buf, metric.type);
        readPoint(in, dataOff);
        in.popLimit(old);
        visitor.point(point);
        points++;
      } else {
        Wire.skip(in, tag, dataOff);
      }
    }
    return points;
  }

  private void readDataHeader(byte[] buf, int off, int len)
      throws IOException, MalformedOtlpException {
    CodedInputStream in = walker.enter(buf, off, len, metric.type.name());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.DATA_AGGREGATION_TEMPORALITY && metric.type != MetricView.Type.GAUGE) {
        metric.temporality = in.readEnum();
      } else if (tag == Tags.SUM_IS_MONOTONIC && metric.type == MetricView.Type.SUM) {
        metric.monotonic = in.readBool();
      } else {
        Wire.skip(in, tag, off);
      }
    }
  }

  private void readPoint(CodedInputStream in, int base) throws IOException, MalformedOtlpException {
    switch (metric.type) {
      case GAUGE:
      case SUM:
        walker.where = "NumberDataPoint";
        readNumberPoint(in, base);
        return;
      case HISTOGRAM:
        walker.where = "HistogramDataPoint";
        readHistogramPoint(in, base);
        return;
      case EXPONENTIAL_HISTOGRAM:
        walker.where = "ExponentialHistogramDataPoint";
        readExponentialPoint(in, base);
        return;
      default:
        walker.where = "SummaryDataPoint";
        readSummaryPoint(in, base);
    }
  }

  private void readNumberPoint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.NUMBER_POINT_ATTRIBUTES:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case Tags.NUMBER_POINT_START_TIME_UNIX_NANO:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case Tags.NUMBER_POINT_TIME_UNIX_NANO:
          p.timeUnixNano = in.readFixed64();
          break;
        case Tags.NUMBER_POINT_AS_DOUBLE:
          p.isInt = false;
          p.doubleValue = in.readDouble();
          break;
        case Tags.NUMBER_POINT_AS_INT:
          p.isInt = true;
          p.intValue = in.readSFixed64();
          break;
        case Tags.NUMBER_POINT_FLAGS:
          p.flags = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base); // exemplars (5) and unknown fields
      }
    }
  }

  private void readHistogramPoint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.HISTOGRAM_POINT_ATTRIBUTES:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case Tags.HISTOGRAM_POINT_START_TIME_UNIX_NANO:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case Tags.HISTOGRAM_POINT_TIME_UNIX_NANO:
          p.timeUnixNano = in.readFixed64();
          break;
        case Tags.HISTOGRAM_POINT_COUNT:
          p.count = in.readFixed64();
          break;
        case Tags.HISTOGRAM_POINT_SUM:
          p.hasSum = true;
          p.sum = in.readDouble();
          break;
        case Tags.HISTOGRAM_POINT_BUCKET_COUNTS_PACKED:
          {
            int l = Wire.length(in, base, tag >>> 3);
            int n = l / 8;
            if (l % 8 != 0) {
              throw new MalformedOtlpException(
                  "Malformed: packed fixed64 field 6 of "
                      + l
                      + " bytes at byte "
                      + (base + in.getTotalBytesRead()));
            }
            p.bucketCounts = PointView.grow(p.bucketCounts, p.bucketCountsLength + n);
            for (int i = 0; i < n; i++) {
              p.bucketCounts[p.bucketCountsLength++] = in.readFixed64();
            }
            break;
          }
        case Tags.HISTOGRAM_POINT_BUCKET_COUNTS:
          p.bucketCounts = PointView.grow(p.bucketCounts, p.bucketCountsLength + 1);
          p.bucketCounts[p.bucketCountsLength++] = in.readFixed64();
          break;
        case Tags.HISTOGRAM_POINT_EXPLICIT_BOUNDS_PACKED:
          {
            int l = Wire.length(in, base, tag >>> 3);
            int n = l / 8;
            if (l % 8 != 0) {
              throw new MalformedOtlpException(
                  "Malformed: packed double field 7 of "
                      + l
                      + " bytes at byte "
                      + (base + in.getTotalBytesRead()));
            }
            p.explicitBounds = PointView.grow(p.explicitBounds, p.explicitBoundsLength + n);
            for (int i = 0; i < n; i++) {
              p.explicitBounds[p.explicitBoundsLength++] = in.readDouble();
            }
            break;
          }
        case Tags.HISTOGRAM_POINT_EXPLICIT_BOUNDS:
          p.explicitBounds = PointView.grow(p.explicitBounds, p.explicitBoundsLength + 1);
          p.explicitBounds[p.explicitBoundsLength++] = in.readDouble();
          break;
        case Tags.HISTOGRAM_POINT_FLAGS:
          p.flags = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base); // exemplars (8), min (11), max (12), unknown fields
      }
    }
  }

  private void readExponentialPoint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.EXPONENTIAL_POINT_ATTRIBUTES:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case Tags.EXPONENTIAL_POINT_START_TIME_UNIX_NANO:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case Tags.EXPONENTIAL_POINT_TIME_UNIX_NANO:
          p.timeUnixNano = in.readFixed64();
          break;
        case Tags.EXPONENTIAL_POINT_COUNT:
          p.count = in.readFixed64();
          break;
        case Tags.EXPONENTIAL_POINT_SUM:
          p.hasSum = true;
          p.sum = in.readDouble();
          break;
        case Tags.EXPONENTIAL_POINT_SCALE:
          p.scale = in.readSInt32();
          break;
        case Tags.EXPONENTIAL_POINT_ZERO_COUNT:
          p.zeroCount = in.readFixed64();
          break;
        case Tags.EXPONENTIAL_POINT_POSITIVE:
        case Tags.EXPONENTIAL_POINT_NEGATIVE:
          {
            boolean positive = tag == Tags.EXPONENTIAL_POINT_POSITIVE;
            int l = Wire.length(in, base, tag >>> 3);
            int old = in.pushLimit(l);
            readBuckets(in, base, positive);
            in.popLimit(old);
            break;
          }
        case Tags.EXPONENTIAL_POINT_FLAGS:
          p.flags = in.readUInt32();
          break;
        case Tags.EXPONENTIAL_POINT_ZERO_THRESHOLD:
          p.zeroThreshold = in.readDouble();
          break;
        default:
          Wire.skip(in, tag, base); // exemplars (11), min (12), max (13), unknown fields
      }
    }
  }

  private void readBuckets(CodedInputStream in, int base, boolean positive)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.BUCKETS_OFFSET) {
        if (positive) {
          p.positiveOffset = in.readSInt32();
        } else {
          p.negativeOffset = in.readSInt32();
        }
      } else if (tag == Tags.BUCKETS_BUCKET_COUNTS_PACKED) {
        int l = Wire.length(in, base, tag >>> 3);
        int old = in.pushLimit(l);
        while (in.getBytesUntilLimit() > 0) {
          addBucket(positive, in.readUInt64());
        }
        in.popLimit(old);
      } else if (tag == Tags.BUCKETS_BUCKET_COUNTS) {
        addBucket(positive, in.readUInt64());
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }

  private void addBucket(boolean positive, long count) {
    PointView p = point;
    if (positive) {
      p.positiveCounts = PointView.grow(p.positiveCounts, p.positiveLength + 1);
      p.positiveCounts[p.positiveLength++] = count;
    } else {
      p.negativeCounts = PointView.grow(p.negativeCounts, p.negativeLength + 1);
      p.negativeCounts[p.negativeLength++] = count;
    }
  }

  private void readSummaryPoint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    p.hasSum = true;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.SUMMARY_POINT_ATTRIBUTES:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case Tags.SUMMARY_POINT_START_TIME_UNIX_NANO:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case Tags.SUMMARY_POINT_TIME_UNIX_NANO:
          p.timeUnixNano = in.readFixed64();
          break;
        case Tags.SUMMARY_POINT_COUNT:
          p.count = in.readFixed64();
          break;
        case Tags.SUMMARY_POINT_SUM:
          p.sum = in.readDouble();
          break;
        case Tags.SUMMARY_POINT_QUANTILE_VALUES:
          {
            int l = Wire.length(in, base, tag >>> 3);
            int old = in.pushLimit(l);
            double q = 0;
            double v = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
              if (t == Tags.QUANTILE_QUANTILE) {
                q = in.readDouble();
              } else if (t == Tags.QUANTILE_VALUE) {
                v = in.readDouble();
              } else {
                Wire.skip(in, t, base);
              }
            }
            in.popLimit(old);
            p.quantiles = PointView.grow(p.quantiles, p.quantilesLength + 1);
            p.quantileValues = PointView.grow(p.quantileValues, p.quantilesLength + 1);
            p.quantiles[p.quantilesLength] = q;
            p.quantileValues[p.quantilesLength++] = v;
            break;
          }
        case Tags.SUMMARY_POINT_FLAGS:
          p.flags = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }
}
