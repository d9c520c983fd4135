package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.proto.OtlpJsonTranscoder;
import hermes.collector.proto.ReaderLimits;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each pass of an endless corpus is new traces and sessions with the same tree inside. */
class RekeyerTest {
  private final List<ExportTraceServiceRequest> corpus = HermesCorpus.sessions(3, 20, 64);

  @Test
  void aPassIsNewIdsWithTheSameLinks() throws Exception {
    List<Span> before = spans(corpus);
    List<Span> after = spans(rekeyed(corpus, 5));
    assertThat(after).hasSameSizeAs(before);
    Set<String> oldIds = new HashSet<>();
    before.forEach(s -> oldIds.add(hex(s.getTraceId()) + hex(s.getSpanId())));
    for (int i = 0; i < before.size(); i++) {
      Span a = before.get(i);
      Span b = after.get(i);
      assertThat(b.getTraceId()).isNotEqualTo(a.getTraceId());
      assertThat(b.getSpanId()).isNotEqualTo(a.getSpanId());
      assertThat(b.getName()).isEqualTo(a.getName());
      assertThat(b.getStartTimeUnixNano()).isEqualTo(a.getStartTimeUnixNano());
      assertThat(sessionId(b)).hasSameSizeAs(sessionId(a)).isNotEqualTo(sessionId(a));
      assertThat(oldIds).doesNotContain(hex(b.getTraceId()) + hex(b.getSpanId()));
    }
    // links survive: a span's parent (possibly in another request) is still found by its id
    Set<String> newSpanIds = new HashSet<>();
    after.forEach(s -> newSpanIds.add(hex(s.getSpanId())));
    for (Span s : after) {
      if (!s.getParentSpanId().isEmpty()) {
        assertThat(newSpanIds).contains(hex(s.getParentSpanId()));
      }
    }
  }

  @Test
  void passesComposeByXor() throws Exception {
    List<byte[]> three = bytes(rekeyed(corpus, 3));
    for (int i = 0; i < three.size(); i++) {
      Rekeyer.of(corpus.get(i).toByteArray()).rekey(three.get(i), 3 ^ 9);
    }
    assertThat(spans(parse(three))).isEqualTo(spans(rekeyed(corpus, 9)));
  }

  @Test
  void jsonIsRekeyedAsItsProtobufIs() throws Exception {
    OtlpJsonTranscoder transcoder = OtlpJsonTranscoder.traces(ReaderLimits.DEFAULT);
    List<ExportTraceServiceRequest> fromJson = new ArrayList<>();
    for (ExportTraceServiceRequest r : corpus) {
      byte[] json = OtlpJson.of(r).getBytes(StandardCharsets.UTF_8);
      Rekeyer.ofJson(json).rekey(json, 77);
      fromJson.add(ExportTraceServiceRequest.parseFrom(transcoder.toProtobuf(json)));
    }
    assertThat(spans(fromJson)).isEqualTo(spans(rekeyed(corpus, 77)));
  }

  private static List<ExportTraceServiceRequest> rekeyed(
      List<ExportTraceServiceRequest> corpus, int pass) throws Exception {
    List<byte[]> out = bytes(corpus);
    for (byte[] b : out) {
      Rekeyer.of(b).rekey(b, pass);
    }
    return parse(out);
  }

  private static List<byte[]> bytes(List<ExportTraceServiceRequest> requests) {
    List<byte[]> out = new ArrayList<>();
    requests.forEach(r -> out.add(r.toByteArray()));
    return out;
  }

  private static List<ExportTraceServiceRequest> parse(List<byte[]> bytes) throws Exception {
    List<ExportTraceServiceRequest> out = new ArrayList<>();
    for (byte[] b : bytes) {
      out.add(ExportTraceServiceRequest.parseFrom(b));
    }
    return out;
  }

  private static List<Span> spans(List<ExportTraceServiceRequest> requests) {
    List<Span> out = new ArrayList<>();
    requests.forEach(
        r ->
            r.getResourceSpansList()
                .forEach(
                    rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList()))));
    return out;
  }

  private static String hex(com.google.protobuf.ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  private static String sessionId(Span s) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals("hermes.session.id")) {
        return kv.getValue().getStringValue();
      }
    }
    throw new AssertionError("no session id on " + s.getName());
  }
}
