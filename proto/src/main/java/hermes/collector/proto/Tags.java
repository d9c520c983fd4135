package hermes.collector.proto;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/**
 * The wire tags (field number and wire type) the streaming readers switch on, named after the OTLP
 * fields and derived from the field numbers protobuf-java generates, so a reader reads {@code case
 * SPAN_NAME:} rather than {@code case 5 << 3 | 2:} and a wrong number cannot be typed. Each is a
 * compile-time constant (a constant expression of the generated {@code *_FIELD_NUMBER} and {@link
 * Wire}'s wire types), so it can label a {@code switch} case. {@code _PACKED} names the
 * length-delimited form of a packed repeated scalar, which protobuf requires readers to accept
 * beside the unpacked one.
 */
final class Tags {
  private Tags() {}

  // ExportTraceServiceRequest
  static final int EXPORT_TRACE_RESOURCE_SPANS =
      ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER << 3 | Wire.LEN;

  // ResourceSpans
  static final int RESOURCE_SPANS_RESOURCE = ResourceSpans.RESOURCE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int RESOURCE_SPANS_SCOPE_SPANS =
      ResourceSpans.SCOPE_SPANS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int RESOURCE_SPANS_SCHEMA_URL =
      ResourceSpans.SCHEMA_URL_FIELD_NUMBER << 3 | Wire.LEN;

  // ScopeSpans
  static final int SCOPE_SPANS_SCOPE = ScopeSpans.SCOPE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SCOPE_SPANS_SPANS = ScopeSpans.SPANS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SCOPE_SPANS_SCHEMA_URL = ScopeSpans.SCHEMA_URL_FIELD_NUMBER << 3 | Wire.LEN;

  // Span
  static final int SPAN_TRACE_ID = Span.TRACE_ID_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_SPAN_ID = Span.SPAN_ID_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_TRACE_STATE = Span.TRACE_STATE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_PARENT_SPAN_ID = Span.PARENT_SPAN_ID_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_NAME = Span.NAME_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_KIND = Span.KIND_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int SPAN_START_TIME_UNIX_NANO =
      Span.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SPAN_END_TIME_UNIX_NANO =
      Span.END_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SPAN_ATTRIBUTES = Span.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_DROPPED_ATTRIBUTES_COUNT =
      Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int SPAN_EVENTS = Span.EVENTS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_DROPPED_EVENTS_COUNT =
      Span.DROPPED_EVENTS_COUNT_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int SPAN_LINKS = Span.LINKS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_DROPPED_LINKS_COUNT =
      Span.DROPPED_LINKS_COUNT_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int SPAN_STATUS = Span.STATUS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SPAN_FLAGS = Span.FLAGS_FIELD_NUMBER << 3 | Wire.FIXED32;

  // Status
  static final int STATUS_MESSAGE = Status.MESSAGE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int STATUS_CODE = Status.CODE_FIELD_NUMBER << 3 | Wire.VARINT;

  // Metric
  static final int METRIC_NAME = Metric.NAME_FIELD_NUMBER << 3 | Wire.LEN;
  static final int METRIC_DESCRIPTION = Metric.DESCRIPTION_FIELD_NUMBER << 3 | Wire.LEN;
  static final int METRIC_UNIT = Metric.UNIT_FIELD_NUMBER << 3 | Wire.LEN;

  // The data messages of a Metric (Gauge, Sum, Histogram, ExponentialHistogram, Summary) all
  // number data_points 1, and those that have it aggregation_temporality 2 (TagsTest checks).
  static final int DATA_POINTS = Gauge.DATA_POINTS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int DATA_AGGREGATION_TEMPORALITY =
      Sum.AGGREGATION_TEMPORALITY_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int SUM_IS_MONOTONIC = Sum.IS_MONOTONIC_FIELD_NUMBER << 3 | Wire.VARINT;

  // NumberDataPoint
  static final int NUMBER_POINT_ATTRIBUTES =
      NumberDataPoint.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int NUMBER_POINT_START_TIME_UNIX_NANO =
      NumberDataPoint.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int NUMBER_POINT_TIME_UNIX_NANO =
      NumberDataPoint.TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int NUMBER_POINT_AS_DOUBLE =
      NumberDataPoint.AS_DOUBLE_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int NUMBER_POINT_AS_INT = NumberDataPoint.AS_INT_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int NUMBER_POINT_FLAGS = NumberDataPoint.FLAGS_FIELD_NUMBER << 3 | Wire.VARINT;

  // HistogramDataPoint
  static final int HISTOGRAM_POINT_ATTRIBUTES =
      HistogramDataPoint.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int HISTOGRAM_POINT_START_TIME_UNIX_NANO =
      HistogramDataPoint.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_TIME_UNIX_NANO =
      HistogramDataPoint.TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_COUNT =
      HistogramDataPoint.COUNT_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_SUM = HistogramDataPoint.SUM_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_BUCKET_COUNTS_PACKED =
      HistogramDataPoint.BUCKET_COUNTS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int HISTOGRAM_POINT_BUCKET_COUNTS =
      HistogramDataPoint.BUCKET_COUNTS_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_EXPLICIT_BOUNDS_PACKED =
      HistogramDataPoint.EXPLICIT_BOUNDS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int HISTOGRAM_POINT_EXPLICIT_BOUNDS =
      HistogramDataPoint.EXPLICIT_BOUNDS_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int HISTOGRAM_POINT_FLAGS = HistogramDataPoint.FLAGS_FIELD_NUMBER << 3 | Wire.VARINT;

  // ExponentialHistogramDataPoint
  static final int EXPONENTIAL_POINT_ATTRIBUTES =
      ExponentialHistogramDataPoint.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int EXPONENTIAL_POINT_START_TIME_UNIX_NANO =
      ExponentialHistogramDataPoint.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int EXPONENTIAL_POINT_TIME_UNIX_NANO =
      ExponentialHistogramDataPoint.TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int EXPONENTIAL_POINT_COUNT =
      ExponentialHistogramDataPoint.COUNT_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int EXPONENTIAL_POINT_SUM =
      ExponentialHistogramDataPoint.SUM_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int EXPONENTIAL_POINT_SCALE =
      ExponentialHistogramDataPoint.SCALE_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int EXPONENTIAL_POINT_ZERO_COUNT =
      ExponentialHistogramDataPoint.ZERO_COUNT_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int EXPONENTIAL_POINT_POSITIVE =
      ExponentialHistogramDataPoint.POSITIVE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int EXPONENTIAL_POINT_NEGATIVE =
      ExponentialHistogramDataPoint.NEGATIVE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int EXPONENTIAL_POINT_FLAGS =
      ExponentialHistogramDataPoint.FLAGS_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int EXPONENTIAL_POINT_ZERO_THRESHOLD =
      ExponentialHistogramDataPoint.ZERO_THRESHOLD_FIELD_NUMBER << 3 | Wire.FIXED64;

  // ExponentialHistogramDataPoint.Buckets
  static final int BUCKETS_OFFSET =
      ExponentialHistogramDataPoint.Buckets.OFFSET_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int BUCKETS_BUCKET_COUNTS_PACKED =
      ExponentialHistogramDataPoint.Buckets.BUCKET_COUNTS_FIELD_NUMBER << 3 | Wire.LEN;
  static final int BUCKETS_BUCKET_COUNTS =
      ExponentialHistogramDataPoint.Buckets.BUCKET_COUNTS_FIELD_NUMBER << 3 | Wire.VARINT;

  // SummaryDataPoint
  static final int SUMMARY_POINT_ATTRIBUTES =
      SummaryDataPoint.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SUMMARY_POINT_START_TIME_UNIX_NANO =
      SummaryDataPoint.START_TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SUMMARY_POINT_TIME_UNIX_NANO =
      SummaryDataPoint.TIME_UNIX_NANO_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SUMMARY_POINT_COUNT = SummaryDataPoint.COUNT_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SUMMARY_POINT_SUM = SummaryDataPoint.SUM_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int SUMMARY_POINT_QUANTILE_VALUES =
      SummaryDataPoint.QUANTILE_VALUES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SUMMARY_POINT_FLAGS = SummaryDataPoint.FLAGS_FIELD_NUMBER << 3 | Wire.VARINT;

  // SummaryDataPoint.ValueAtQuantile
  static final int QUANTILE_QUANTILE =
      SummaryDataPoint.ValueAtQuantile.QUANTILE_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int QUANTILE_VALUE =
      SummaryDataPoint.ValueAtQuantile.VALUE_FIELD_NUMBER << 3 | Wire.FIXED64;

  // Resource
  static final int RESOURCE_ATTRIBUTES = Resource.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int RESOURCE_DROPPED_ATTRIBUTES_COUNT =
      Resource.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER << 3 | Wire.VARINT;

  // InstrumentationScope
  static final int SCOPE_NAME = InstrumentationScope.NAME_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SCOPE_VERSION = InstrumentationScope.VERSION_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SCOPE_ATTRIBUTES = InstrumentationScope.ATTRIBUTES_FIELD_NUMBER << 3 | Wire.LEN;
  static final int SCOPE_DROPPED_ATTRIBUTES_COUNT =
      InstrumentationScope.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER << 3 | Wire.VARINT;

  // KeyValue
  static final int KEY_VALUE_KEY = KeyValue.KEY_FIELD_NUMBER << 3 | Wire.LEN;
  static final int KEY_VALUE_VALUE = KeyValue.VALUE_FIELD_NUMBER << 3 | Wire.LEN;

  // AnyValue
  static final int ANY_STRING_VALUE = AnyValue.STRING_VALUE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int ANY_BOOL_VALUE = AnyValue.BOOL_VALUE_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int ANY_INT_VALUE = AnyValue.INT_VALUE_FIELD_NUMBER << 3 | Wire.VARINT;
  static final int ANY_DOUBLE_VALUE = AnyValue.DOUBLE_VALUE_FIELD_NUMBER << 3 | Wire.FIXED64;
  static final int ANY_ARRAY_VALUE = AnyValue.ARRAY_VALUE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int ANY_KVLIST_VALUE = AnyValue.KVLIST_VALUE_FIELD_NUMBER << 3 | Wire.LEN;
  static final int ANY_BYTES_VALUE = AnyValue.BYTES_VALUE_FIELD_NUMBER << 3 | Wire.LEN;

  // ArrayValue
  static final int ARRAY_VALUES = ArrayValue.VALUES_FIELD_NUMBER << 3 | Wire.LEN;

  // KeyValueList
  static final int KVLIST_VALUES = KeyValueList.VALUES_FIELD_NUMBER << 3 | Wire.LEN;
}
