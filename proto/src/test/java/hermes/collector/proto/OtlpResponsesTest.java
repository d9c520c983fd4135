package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpResponsesTest {
  @Test
  void exportResponsesParseWithTheGeneratedClasses() throws Exception {
    assertThat(OtlpResponses.exportProtobuf(0, null)).isEmpty();
    ExportTraceServiceResponse r =
        ExportTraceServiceResponse.parseFrom(
            OtlpResponses.exportProtobuf(2, "2 spans rejected: invalid trace_id \u00e9"));
    assertThat(r.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
    assertThat(r.getPartialSuccess().getErrorMessage())
        .isEqualTo("2 spans rejected: invalid trace_id \u00e9");

    ExportMetricsServiceResponse.Builder m = ExportMetricsServiceResponse.newBuilder();
    JsonFormat.parser()
        .merge(
            new String(
                OtlpResponses.exportJson(OtlpResponses.Signal.METRICS, 3, "bad \"point\"\n"),
                StandardCharsets.UTF_8),
            m);
    assertThat(m.getPartialSuccess().getRejectedDataPoints()).isEqualTo(3);
    assertThat(m.getPartialSuccess().getErrorMessage()).isEqualTo("bad \"point\"\n");
    assertThat(
            new String(
                OtlpResponses.exportJson(OtlpResponses.Signal.TRACES, 0, ""),
                StandardCharsets.UTF_8))
        .isEqualTo("{}");
  }

  @Test
  void statusIsAGoogleRpcStatus() throws Exception {
    byte[] pb = OtlpResponses.statusProtobuf(3, "Malformed: x");
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(pb);
    assertThat(in.readTag()).isEqualTo(8);
    assertThat(in.readInt32()).isEqualTo(3);
    assertThat(in.readTag()).isEqualTo(18);
    assertThat(in.readString()).isEqualTo("Malformed: x");
    assertThat(in.isAtEnd()).isTrue();
    assertThat(new String(OtlpResponses.statusJson(3, "a\"b"), StandardCharsets.UTF_8))
        .isEqualTo("{\"code\":3,\"message\":\"a\\\"b\"}");
  }
}
