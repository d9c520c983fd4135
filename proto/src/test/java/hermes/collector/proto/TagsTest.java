package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

/** The tags the readers share across messages really are the same field in each message. */
class TagsTest {
  @Test
  void sharedTagsAreOneFieldInEveryMessageTheyAreUsedFor() {
    assertThat(
            new int[] {
              Sum.DATA_POINTS_FIELD_NUMBER,
              Histogram.DATA_POINTS_FIELD_NUMBER,
              ExponentialHistogram.DATA_POINTS_FIELD_NUMBER,
              Summary.DATA_POINTS_FIELD_NUMBER
            })
        .containsOnly(Gauge.DATA_POINTS_FIELD_NUMBER);
    assertThat(
            new int[] {
              Histogram.AGGREGATION_TEMPORALITY_FIELD_NUMBER,
              ExponentialHistogram.AGGREGATION_TEMPORALITY_FIELD_NUMBER
            })
        .containsOnly(Sum.AGGREGATION_TEMPORALITY_FIELD_NUMBER);
    assertThat(KeyValueList.VALUES_FIELD_NUMBER).isEqualTo(ArrayValue.VALUES_FIELD_NUMBER);
  }

  @Test
  void tagsAreFieldNumberAndWireType() {
    assertThat(Tags.SPAN_NAME).isEqualTo(Span.NAME_FIELD_NUMBER << 3 | 2);
    assertThat(Tags.SPAN_FLAGS).isEqualTo(16 << 3 | 5);
    assertThat(Tags.SPAN_START_TIME_UNIX_NANO).isEqualTo(7 << 3 | 1);
    assertThat(Tags.SPAN_KIND).isEqualTo(6 << 3);
  }
}
