package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpResponsesCutTest {
  @Test
  void longMessagesAreCutToAFewHundredBytesInEveryEncoding() throws Exception {
    String huge = "é".repeat(5 * 1024 * 1024); // 10 MiB of UTF-8
    ExportTraceServiceResponse pb =
        ExportTraceServiceResponse.parseFrom(OtlpResponses.exportProtobuf(1, huge));
    assertThat(pb.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    String message = pb.getPartialSuccess().getErrorMessage();
    assertThat(message).startsWith("éé").endsWith("... (cut from 5242880 characters)");
    assertThat(message.getBytes(StandardCharsets.UTF_8).length).isLessThan(400);
    assertThat(OtlpResponses.exportJson(OtlpResponses.Signal.TRACES, 1, huge).length)
        .isLessThan(500);
    assertThat(OtlpResponses.statusJson(3, huge).length).isLessThan(500);
    assertThat(OtlpResponses.statusProtobuf(3, huge).length).isLessThan(500);
    // Never half a character: 4-byte code points stay whole.
    String emoji = OtlpResponses.cut("😀".repeat(100));
    assertThat(emoji).isEqualTo("😀".repeat(64) + "... (cut from 200 characters)");
    assertThat(OtlpResponses.cut("short")).isEqualTo("short");
    assertThat(OtlpResponses.cut(null)).isNull();
  }
}
