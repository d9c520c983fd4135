package hermes.collector.proto;

import static hermes.collector.proto.Requests.kv;
import static hermes.collector.proto.Requests.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AttributeRedactorTest {
  private static final AttributeRedactor REDACTOR =
      new AttributeRedactor(List.of("hermes.tool.args", "gen_ai.prompt"));

  private static Span span(String name, KeyValue... attributes) {
    Span.Builder b =
        Span.newBuilder()
            .setName(name)
            .setTraceId(Requests.id(1, 2))
            .setSpanId(Requests.id(name.hashCode()))
            .setStartTimeUnixNano(1_000)
            .setEndTimeUnixNano(2_000);
    for (KeyValue kv : attributes) {
      b.addAttributes(kv);
    }
    return b.build();
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span s : spans) {
      scope.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                // A resource attribute with a redacted key is not a span attribute: it stays.
                .setResource(Resource.newBuilder().addAttributes(kv("gen_ai.prompt", str("r"))))
                .addScopeSpans(scope))
        .build();
  }

  @Test
  void removesSpanAndEventAttributesByKeyAndKeepsEverythingElse() throws Exception {
    Span tool =
        span(
                "tool",
                kv("hermes.tool.name", str("search")),
                kv("hermes.tool.args", str("{\"q\":\"secret\"}")),
                kv("hermes.tool.args.count", str("1")))
            .toBuilder()
            .addEvents(
                Span.Event.newBuilder()
                    .setName("prompt")
                    .addAttributes(kv("gen_ai.prompt", str("private words")))
                    .addAttributes(kv("role", str("user"))))
            .build();
    Span untouched = span("llm", kv("gen_ai.request.model", str("hermes-3")));
    ExportTraceServiceRequest original = request(tool, untouched);

    byte[] redacted = REDACTOR.redact(original.toByteArray());

    ExportTraceServiceRequest parsed = ExportTraceServiceRequest.parseFrom(redacted);
    Span expectedTool =
        span("tool", kv("hermes.tool.name", str("search")), kv("hermes.tool.args.count", str("1")))
            .toBuilder()
            .addEvents(
                Span.Event.newBuilder().setName("prompt").addAttributes(kv("role", str("user"))))
            .build();
    assertThat(parsed).isEqualTo(request(expectedTool, untouched));
    // The span without redacted keys is the same bytes, not merely an equal message.
    Span parsedUntouched = parsed.getResourceSpans(0).getScopeSpans(0).getSpans(1);
    assertThat(parsedUntouched.toByteString()).isEqualTo(untouched.toByteString());
  }

  @Test
  void requestWithoutTheKeysIsReturnedAsIs() throws Exception {
    byte[] bytes = request(span("llm", kv("gen_ai.request.model", str("hermes-3")))).toByteArray();
    assertThat(new AttributeRedactor(List.of("hermes.tool.args")).redact(bytes)).isSameAs(bytes);
    assertThat(new AttributeRedactor(List.of()).redact(bytes)).isSameAs(bytes);
  }

  @Test
  void keyBytesInAValueAloneRemoveNothing() throws Exception {
    ExportTraceServiceRequest original =
        request(span("tool", kv("note", str("mentions hermes.tool.args but is not it"))));
    byte[] redacted = REDACTOR.redact(original.toByteArray());
    assertThat(ExportTraceServiceRequest.parseFrom(redacted)).isEqualTo(original);
  }

  @Test
  void randomRequestsRoundTripWhenNothingMatches() throws Exception {
    Random r = new Random(42);
    AttributeRedactor absent = new AttributeRedactor(List.of("\u0000no-such-key\u0000"));
    for (int i = 0; i < 200; i++) {
      ExportTraceServiceRequest req = Requests.random(r);
      byte[] bytes = req.toByteArray();
      assertThat(ExportTraceServiceRequest.parseFrom(absent.redact(bytes))).isEqualTo(req);
    }
  }

  @Test
  void largeSpansKeepValidLengthPrefixesAfterShrinking() throws Exception {
    String big = "x".repeat(70_000); // lengths of three varint bytes on every level
    ExportTraceServiceRequest original =
        request(span("tool", kv("hermes.tool.args", str(big)), kv("keep", str(big))));
    byte[] redacted = REDACTOR.redact(original.toByteArray());
    assertThat(ExportTraceServiceRequest.parseFrom(redacted))
        .isEqualTo(request(span("tool", kv("keep", str(big)))));
  }

  @Test
  void malformedBytesAreRefused() {
    // resource_spans claiming 127 bytes where fewer follow, and one of the keys among them
    byte[] key = "hermes.tool.args".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] garbage = new byte[2 + key.length];
    garbage[0] = 0x0a;
    garbage[1] = 0x7f;
    System.arraycopy(key, 0, garbage, 2, key.length);
    assertThatThrownBy(() -> REDACTOR.redact(garbage)).isInstanceOf(MalformedOtlpException.class);
  }
}
