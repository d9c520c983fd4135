package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SignalScannerTest {
  @Test
  void countsDataPointsOfEveryType() throws Exception {
    byte[] body = OtlpJsonTranscoderTest.everyMetricType().toByteArray();
    // gauge 2 + sum 1 + histogram 1 + exponential 1 + summary 1
    assertThat(SignalScanner.metrics(ReaderLimits.DEFAULT).scan(body)).isEqualTo(6);
  }

  @Test
  void countsLogRecords() throws Exception {
    byte[] body = OtlpJsonTranscoderTest.someLogs().toByteArray();
    assertThat(SignalScanner.logs(ReaderLimits.DEFAULT).scan(body)).isEqualTo(2);
  }

  @Test
  void countsSpansAcrossResourcesAndScopesWithoutDecodingThem() throws Exception {
    io.opentelemetry.proto.trace.v1.Span span =
        io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("s").build();
    io.opentelemetry.proto.trace.v1.ScopeSpans two =
        io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
            .addSpans(span)
            .addSpans(span)
            .build();
    byte[] body =
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
                    .addScopeSpans(two)
                    .addScopeSpans(two))
            .addResourceSpans(
                io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder().addScopeSpans(two))
            .build()
            .toByteArray();
    assertThat(SignalScanner.traces(ReaderLimits.DEFAULT).scan(body)).isEqualTo(6);
  }

  @Test
  void everyTruncationIsRejectedOrCountedCleanly() {
    byte[] body = OtlpJsonTranscoderTest.everyMetricType().toByteArray();
    SignalScanner scanner = SignalScanner.metrics(ReaderLimits.DEFAULT);
    for (int len = 0; len < body.length; len++) {
      byte[] cut = Arrays.copyOf(body, len);
      try {
        assertThat(scanner.scan(cut)).isLessThanOrEqualTo(6);
      } catch (MalformedOtlpException e) {
        assertThat(e.getMessage()).startsWith("Malformed: ").contains(" at byte ");
      }
    }
  }

  @Test
  void garbageIsMalformed() {
    assertThatThrownBy(() -> SignalScanner.logs(ReaderLimits.DEFAULT).scan(new byte[] {0x0a, 5, 1}))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessage("Malformed: truncated length-delimited field 1 at byte 1");
  }
}
