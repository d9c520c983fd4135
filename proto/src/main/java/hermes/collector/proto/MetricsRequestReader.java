package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
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
  private final ResourceView resource;
  private final ScopeView scope;
  private final MetricView metric = new MetricView();
  private final PointView point;
  private CodedInputStream current;
  private int currentBase;
  private String where = "ExportMetricsServiceRequest";

  /** A reader enforcing the given bounds. */
  public MetricsRequestReader(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    resource = new ResourceView(limits);
    scope = new ScopeView(limits);
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
    Objects.requireNonNull(visitor, "visitor");
    int points = 0;
    CodedInputStream in = enter(request, 0, request.length, "ExportMetricsServiceRequest");
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == Wire.tag(1, Wire.LEN)) {
          int len = Wire.length(in, 0, 1);
          points += readResourceMetrics(request, in.getTotalBytesRead(), len, visitor);
          enter(in, 0, "ExportMetricsServiceRequest");
          in.skipRawBytes(len);
        } else {
          Wire.skip(in, tag, 0);
        }
      }
    } catch (IOException e) {
      throw Wire.malformed(e, where, (long) currentBase + current.getTotalBytesRead());
    }
    return points;
  }

  private CodedInputStream enter(byte[] buf, int off, int len, String name) {
    return enter(Wire.decoder(buf, off, len), off, name);
  }

  private CodedInputStream enter(CodedInputStream in, int base, String name) {
    current = in;
    currentBase = base;
    where = name;
    return in;
  }

  private int readResourceMetrics(byte[] buf, int off, int len, MetricsVisitor visitor)
      throws IOException, MalformedOtlpException {
    resource.reset(buf);
    CodedInputStream in = enter(buf, off, len, "ResourceMetrics");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, off, 1);
        int old = in.pushLimit(l);
        Envelope.readResource(in, off, resource);
        in.popLimit(old);
      } else if (tag == Wire.tag(3, Wire.LEN)) {
        int l = Wire.length(in, off, 3);
        resource.schemaUrlOffset = off + in.getTotalBytesRead();
        resource.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    visitor.resource(resource);
    int points = 0;
    in = enter(buf, off, len, "ResourceMetrics");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, off, 2);
        points += readScopeMetrics(buf, off + in.getTotalBytesRead(), l, visitor);
        enter(in, off, "ResourceMetrics");
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return points;
  }

  private int readScopeMetrics(byte[] buf, int off, int len, MetricsVisitor visitor)
      throws IOException, MalformedOtlpException {
    scope.reset(buf);
    CodedInputStream in = enter(buf, off, len, "ScopeMetrics");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, off, 1);
        int old = in.pushLimit(l);
        Envelope.readScope(in, off, scope);
        in.popLimit(old);
      } else if (tag == Wire.tag(3, Wire.LEN)) {
        int l = Wire.length(in, off, 3);
        scope.schemaUrlOffset = off + in.getTotalBytesRead();
        scope.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    visitor.scope(scope);
    int points = 0;
    in = enter(buf, off, len, "ScopeMetrics");
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, off, 2);
        points += readMetric(buf, off + in.getTotalBytesRead(), l, visitor);
        enter(in, off, "ScopeMetrics");
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return points;
  }

  private static MetricView.Type typeOf(int field) {
    switch (field) {
      case 5:
        return MetricView.Type.GAUGE;
      case 7:
        return MetricView.Type.SUM;
      case 9:
        return MetricView.Type.HISTOGRAM;
      case 10:
        return MetricView.Type.EXPONENTIAL_HISTOGRAM;
      case 11:
        return MetricView.Type.SUMMARY;
      default:
        return null;
    }
  }

  private int readMetric(byte[] buf, int off, int len, MetricsVisitor visitor)
      throws IOException, MalformedOtlpException {
    metric.reset(buf);
    // Pass 1: the header, and the data field's temporality/monotonicity (after its points).
    CodedInputStream in = enter(buf, off, len, "Metric");
    int dataOff = -1;
    int dataLen = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = tag >>> 3;
      MetricView.Type t = (tag & 7) == Wire.LEN ? typeOf(field) : null;
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, off, 1);
        metric.nameOffset = off + in.getTotalBytesRead();
        metric.nameLength = l;
        in.skipRawBytes(l);
      } else if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, off, 2);
        metric.descriptionOffset = off + in.getTotalBytesRead();
        metric.descriptionLength = l;
        in.skipRawBytes(l);
      } else if (tag == Wire.tag(3, Wire.LEN)) {
        int l = Wire.length(in, off, 3);
        metric.unitOffset = off + in.getTotalBytesRead();
        metric.unitLength = l;
        in.skipRawBytes(l);
      } else if (t != null) {
        int l = Wire.length(in, off, field);
        metric.type = t; // oneof: the last data field wins
        dataOff = off + in.getTotalBytesRead();
        dataLen = l;
        readDataHeader(buf, dataOff, dataLen);
        enter(in, off, "Metric");
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
    in = enter(buf, dataOff, dataLen, metric.type.name());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(1, Wire.LEN)) {
        int l = Wire.length(in, dataOff, 1);
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
    CodedInputStream in = enter(buf, off, len, metric.type.name());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Wire.tag(2, Wire.VARINT) && metric.type != MetricView.Type.GAUGE) {
        metric.temporality = in.readEnum();
      } else if (tag == Wire.tag(3, Wire.VARINT) && metric.type == MetricView.Type.SUM) {
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
        where = "NumberDataPoint";
        readNumberPoint(in, base);
        return;
      case HISTOGRAM:
        where = "HistogramDataPoint";
        readHistogramPoint(in, base);
        return;
      case EXPONENTIAL_HISTOGRAM:
        where = "ExponentialHistogramDataPoint";
        readExponentialPoint(in, base);
        return;
      default:
        where = "SummaryDataPoint";
        readSummaryPoint(in, base);
    }
  }

  private void readNumberPoint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    PointView p = point;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 7 << 3 | Wire.LEN:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case 2 << 3 | Wire.FIXED64:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case 3 << 3 | Wire.FIXED64:
          p.timeUnixNano = in.readFixed64();
          break;
        case 4 << 3 | Wire.FIXED64:
          p.isInt = false;
          p.doubleValue = in.readDouble();
          break;
        case 6 << 3 | Wire.FIXED64:
          p.isInt = true;
          p.intValue = in.readSFixed64();
          break;
        case 8 << 3 | Wire.VARINT:
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
        case 9 << 3 | Wire.LEN:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case 2 << 3 | Wire.FIXED64:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case 3 << 3 | Wire.FIXED64:
          p.timeUnixNano = in.readFixed64();
          break;
        case 4 << 3 | Wire.FIXED64:
          p.count = in.readFixed64();
          break;
        case 5 << 3 | Wire.FIXED64:
          p.hasSum = true;
          p.sum = in.readDouble();
          break;
        case 6 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 6);
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
        case 6 << 3 | Wire.FIXED64:
          p.bucketCounts = PointView.grow(p.bucketCounts, p.bucketCountsLength + 1);
          p.bucketCounts[p.bucketCountsLength++] = in.readFixed64();
          break;
        case 7 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 7);
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
        case 7 << 3 | Wire.FIXED64:
          p.explicitBounds = PointView.grow(p.explicitBounds, p.explicitBoundsLength + 1);
          p.explicitBounds[p.explicitBoundsLength++] = in.readDouble();
          break;
        case 10 << 3 | Wire.VARINT:
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
        case 1 << 3 | Wire.LEN:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case 2 << 3 | Wire.FIXED64:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case 3 << 3 | Wire.FIXED64:
          p.timeUnixNano = in.readFixed64();
          break;
        case 4 << 3 | Wire.FIXED64:
          p.count = in.readFixed64();
          break;
        case 5 << 3 | Wire.FIXED64:
          p.hasSum = true;
          p.sum = in.readDouble();
          break;
        case 6 << 3 | Wire.VARINT:
          p.scale = in.readSInt32();
          break;
        case 7 << 3 | Wire.FIXED64:
          p.zeroCount = in.readFixed64();
          break;
        case 8 << 3 | Wire.LEN:
        case 9 << 3 | Wire.LEN:
          {
            boolean positive = tag >>> 3 == 8;
            int l = Wire.length(in, base, tag >>> 3);
            int old = in.pushLimit(l);
            readBuckets(in, base, positive);
            in.popLimit(old);
            break;
          }
        case 10 << 3 | Wire.VARINT:
          p.flags = in.readUInt32();
          break;
        case 14 << 3 | Wire.FIXED64:
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
      if (tag == Wire.tag(1, Wire.VARINT)) {
        if (positive) {
          p.positiveOffset = in.readSInt32();
        } else {
          p.negativeOffset = in.readSInt32();
        }
      } else if (tag == Wire.tag(2, Wire.LEN)) {
        int l = Wire.length(in, base, 2);
        int old = in.pushLimit(l);
        while (in.getBytesUntilLimit() > 0) {
          addBucket(positive, in.readUInt64());
        }
        in.popLimit(old);
      } else if (tag == Wire.tag(2, Wire.VARINT)) {
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
        case 7 << 3 | Wire.LEN:
          Envelope.readAttribute(in, base, p.attributes());
          break;
        case 2 << 3 | Wire.FIXED64:
          p.startTimeUnixNano = in.readFixed64();
          break;
        case 3 << 3 | Wire.FIXED64:
          p.timeUnixNano = in.readFixed64();
          break;
        case 4 << 3 | Wire.FIXED64:
          p.count = in.readFixed64();
          break;
        case 5 << 3 | Wire.FIXED64:
          p.sum = in.readDouble();
          break;
        case 6 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 6);
            int old = in.pushLimit(l);
            double q = 0;
            double v = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
              if (t == Wire.tag(1, Wire.FIXED64)) {
                q = in.readDouble();
              } else if (t == Wire.tag(2, Wire.FIXED64)) {
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
        case 8 << 3 | Wire.VARINT:
          p.flags = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }
}
