package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceRequestReaderTest {

  @Test
  void everyFieldAndValueTypeMatchesTheGeneratedClasses() throws Exception {
    ExportTraceServiceRequest req = Requests.everyField();
    List<String> visited = Visits.of(req.toByteArray());
    assertThat(visited).isEqualTo(Visits.expected(req));
    assertThat(visited.get(2))
        .contains("trace=0123456789abcdeffedcba9876543210")
        .contains("parent=99aabbccddeeff00")
        .contains("name=chat claude-sonnet-4 \u00e9\u4e2d")
        .contains("gen_ai.usage.input_tokens=Long:1234")
        .contains("nested=[String:a, Long:-7, [deep->Boolean:true, empty->empty]]")
        .contains("events=2/4")
        .contains("links=1/5")
        .contains("status=2:boom");
  }

  @Test
  void randomRequestsMatchTheGeneratedClasses() throws Exception {
    Random r = new Random(20261121);
    for (int i = 0; i < 500; i++) {
      ExportTraceServiceRequest req = Requests.random(r);
      assertThat(Visits.of(req.toByteArray())).as("request %d", i).isEqualTo(Visits.expected(req));
    }
  }

  @Test
  void scalarAccessorsDecodeWithoutStrings() throws Exception {
    byte[] body = Requests.everyField().toByteArray();
    List<String> seen = new ArrayList<>();
    new TraceRequestReader(ReaderLimits.DEFAULT)
        .read(
            body,
            span -> {
              if (!span.nameStartsWith("chat ".getBytes(StandardCharsets.UTF_8))) {
                return;
              }
              Attributes a = span.attributes();
              int tokens = a.find("gen_ai.usage.input_tokens".getBytes(StandardCharsets.UTF_8));
              int model = a.find("gen_ai.request.model".getBytes(StandardCharsets.UTF_8));
              seen.add(a.type(tokens) + "=" + a.longValue(tokens));
              seen.add(String.valueOf(a.stringEquals(model, "claude-sonnet-4".getBytes())));
              seen.add(String.valueOf(a.doubleValue(a.find("ratio".getBytes()))));
              seen.add(String.valueOf(a.boolValue(a.find("flag".getBytes()))));
              seen.add(Long.toHexString(span.traceIdHigh()) + Long.toHexString(span.traceIdLow()));
              seen.add(
                  Long.toHexString(span.spanId()) + "<" + Long.toHexString(span.parentSpanId()));
              seen.add(span.resource().attributes().string(0));
              seen.add(span.scope().name());
            });
    assertThat(seen)
        .containsExactly(
            "INT=1234",
            "true",
            "0.25",
            "true",
            "123456789abcdeffedcba9876543210",
            "1122334455667788<99aabbccddeeff00",
            "hermes-agent",
            "hermes-plugin-otel-tracing");
  }

  @Test
  void readsByteBuffersInPlaceOrByCopy() throws Exception {
    ExportTraceServiceRequest req = Requests.everyField();
    byte[] body = req.toByteArray();
    ByteBuffer direct = ByteBuffer.allocateDirect(body.length + 3);
    direct.put(new byte[] {9, 9, 9}).put(body).flip().position(3);
    Visits v = new Visits();
    new TraceRequestReader(ReaderLimits.DEFAULT).read(direct, v);
    assertThat(v.lines).isEqualTo(Visits.expected(req));
    assertThat(direct.position()).isEqualTo(3);
  }

  @Test
  void resourceAndScopeAfterTheirSpansAreStillVisitedFirst() throws Exception {
    ExportTraceServiceRequest req = Requests.everyField();
    ResourceSpans rs = req.getResourceSpans(0);
    ScopeSpans ss = rs.getScopeSpans(0);
    // Write fields in reverse order: spans, then scope; scope_spans, then resource.
    ByteArrayOutputStream scopeSpans = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(scopeSpans);
    for (Span s : ss.getSpansList()) {
      o.writeMessage(2, s);
    }
    o.writeMessage(1, ss.getScope());
    o.flush();
    ByteArrayOutputStream resourceSpans = new ByteArrayOutputStream();
    o = CodedOutputStream.newInstance(resourceSpans);
    o.writeByteArray(2, scopeSpans.toByteArray());
    o.writeMessage(1, rs.getResource());
    o.flush();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    o = CodedOutputStream.newInstance(request);
    o.writeByteArray(1, resourceSpans.toByteArray());
    o.flush();
    byte[] body = request.toByteArray();

    ExportTraceServiceRequest parsed = ExportTraceServiceRequest.parseFrom(body);
    List<String> visited = Visits.of(body);
    assertThat(visited).isEqualTo(Visits.expected(parsed));
    assertThat(visited.get(0)).contains("service.name=String:hermes-agent");
  }

  @Test
  void everyTruncationIsJudgedAsTheGeneratedParserJudgesIt() throws Exception {
    byte[] body = Requests.everyField().toByteArray();
    for (int len = 0; len < body.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(body, len);
      boolean oracleAccepts = parses(cut);
      try {
        List<String> visited = Visits.of(cut);
        assertThat(oracleAccepts).as("accepted a truncation at %d", len).isTrue();
        assertThat(visited).isEqualTo(Visits.expected(ExportTraceServiceRequest.parseFrom(cut)));
      } catch (MalformedOtlpException e) {
        assertThat(oracleAccepts).as("rejected a valid truncation at %d: %s", len, e).isFalse();
        assertThat(e.getMessage()).startsWith("Malformed: ").contains(" at byte ");
      }
    }
  }

  @Test
  void corruptionAtEveryByteIsRejectedCleanlyOrReadAsTheGeneratedParserReadsIt() throws Exception {
    // Verdicts may differ where protobuf-java itself is inconsistent (it accepts some overlong
    // varints on one decoding path only) or stricter (UTF-8 checks we defer); what must hold is
    // that nothing but MalformedOtlpException escapes, and that accepted input reads the same.
    byte[] body = Requests.everyField().toByteArray();
    Random r = new Random(7);
    for (int at = 0; at < body.length; at++) {
      for (int k = 0; k < 4; k++) {
        byte[] bad = body.clone();
        bad[at] = (byte) (k == 0 ? 0xff : k == 1 ? 0x80 : r.nextInt(256));
        List<String> visited;
        try {
          visited = Visits.of(bad);
        } catch (MalformedOtlpException e) {
          assertThat(e.getMessage()).startsWith("Malformed: ");
          continue;
        } catch (RuntimeException | Error e) {
          fail("byte " + at + " value " + bad[at] + " threw " + e, e);
          return;
        }
        if (parses(bad)) {
          assertThat(visited)
              .as("byte %d value %d", at, bad[at])
              .isEqualTo(Visits.expected(ExportTraceServiceRequest.parseFrom(bad)));
        }
      }
    }
  }

  @Test
  void aLyingLengthPrefixFailsFastWithoutAllocating() {
    // resource_spans, length 2^31-1, then 3 bytes.
    byte[] body = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2, 3};
    assertThatThrownBy(() -> Visits.of(body))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessage("Malformed: truncated length-delimited field 1 at byte 1");
  }

  @Test
  void errorsSayWhatAndWhere() {
    byte[] body = Requests.everyField().toByteArray();
    byte[] cut = java.util.Arrays.copyOf(body, 40);
    assertThatThrownBy(() -> Visits.of(cut))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessageMatching("Malformed: truncated .* at byte \\d+");
    byte[] badWire = {0x0f};
    assertThatThrownBy(() -> Visits.of(badWire))
        .hasMessage("Malformed: invalid wire type 7 for field 1 at byte 1");
    byte[] endGroup = {0x0c};
    assertThatThrownBy(() -> Visits.of(endGroup))
        .hasMessage("Malformed: invalid wire type 4 for field 1 at byte 1");
  }

  @Test
  void attributeNestingIsBounded() throws Exception {
    AnyValue v = Requests.str("leaf");
    for (int i = 0; i < 12; i++) {
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    ExportTraceServiceRequest req = withAttribute(v);
    assertThatThrownBy(() -> Visits.of(req.toByteArray()))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessageContaining("nested deeper than 8 levels");
    List<String> ok = new ArrayList<>();
    new TraceRequestReader(new ReaderLimits(12, 10)).read(req.toByteArray(), s -> ok.add(s.name()));
    assertThat(ok).containsExactly("deep");
  }

  @Test
  void attributesPastTheBoundAreCountedNotIndexed() throws Exception {
    Span.Builder s = span("many");
    for (int i = 0; i < 5; i++) {
      s.addAttributes(Requests.kv("k" + i, Requests.str("v")));
    }
    byte[] body = request(s.build()).toByteArray();
    int[] seen = new int[2];
    new TraceRequestReader(new ReaderLimits(8, 3))
        .read(
            body,
            sp -> {
              seen[0] = sp.attributes().size();
              seen[1] = sp.attributes().unindexed();
            });
    assertThat(seen).containsExactly(3, 2);
  }

  @Test
  void invalidIdsAreNamed() throws Exception {
    List<String> reasons = new ArrayList<>();
    byte[] body =
        request(
                span("ok"),
                span("short").setTraceId(Requests.bytes(1, 2, 3)).build(),
                span("zero").setSpanId(Requests.id(0)).build(),
                span("parent").setParentSpanId(Requests.bytes(1)).build())
            .toByteArray();
    new TraceRequestReader(ReaderLimits.DEFAULT)
        .read(body, sp -> reasons.add(sp.name() + ":" + sp.invalidReason()));
    assertThat(reasons)
        .containsExactly(
            "ok:null",
            "short:invalid trace_id: want 16 bytes, not all zero",
            "zero:invalid span_id: want 8 bytes, not all zero",
            "parent:invalid parent_span_id: want empty or 8 bytes");
  }

  static Span.Builder span(String name) {
    return Span.newBuilder().setTraceId(Requests.id(1, 2)).setSpanId(Requests.id(3)).setName(name);
  }

  static ExportTraceServiceRequest request(Object... spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (Object s : spans) {
      ss.addSpans(s instanceof Span.Builder b ? b.build() : (Span) s);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss))
        .build();
  }

  private static ExportTraceServiceRequest withAttribute(AnyValue v) {
    return request(span("deep").addAttributes(Requests.kv("deep", v)).build());
  }

  private static boolean parses(byte[] b) {
    try {
      ExportTraceServiceRequest.parseFrom(b);
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }
}
