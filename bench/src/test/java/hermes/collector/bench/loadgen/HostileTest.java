package hermes.collector.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Each hostile request builder produces what its kind claims, as a well-formed HTTP request. */
class HostileTest {
  private static final String AT = "127.0.0.1:4318";

  /** A request split at the end of its head: {head, body}. */
  private static String[] split(byte[] request) {
    String s = new String(request, StandardCharsets.ISO_8859_1);
    int end = s.indexOf("\r\n\r\n");
    assertThat(end).as("a complete head").isPositive();
    return new String[] {s.substring(0, end + 2), s.substring(end + 4)};
  }

  private static byte[] body(Hostile.Kind kind) {
    String[] parts = split(Hostile.request(kind, AT, 42));
    byte[] body = parts[1].getBytes(StandardCharsets.ISO_8859_1);
    assertThat(parts[0])
        .startsWith("POST /v1/traces HTTP/1.1\r\nHost: " + AT + "\r\n")
        .contains("Content-Length: " + body.length + "\r\n");
    return body;
  }

  private static long inflatedLength(byte[] gz) throws IOException {
    long n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) != -1; ) {
        n += r;
      }
    }
    return n;
  }

  @Test
  void malformedProtobufDoesNotParse() {
    byte[] body = body(Hostile.Kind.MALFORMED_PROTOBUF);
    assertThat(split(Hostile.request(Hostile.Kind.MALFORMED_PROTOBUF, AT, 42))[0])
        .contains("Content-Type: application/x-protobuf");
    assertThatThrownBy(() -> ExportTraceServiceRequest.parseFrom(body))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThat(body(Hostile.Kind.MALFORMED_PROTOBUF))
        .as("the same seed, the same request")
        .isEqualTo(body);
  }

  @Test
  void truncatedGzipEndsEarly() {
    byte[] body = body(Hostile.Kind.TRUNCATED_GZIP);
    assertThat(split(Hostile.request(Hostile.Kind.TRUNCATED_GZIP, AT, 42))[0])
        .contains("Content-Encoding: gzip\r\n");
    assertThat(body[0] & 0xff).isEqualTo(0x1f);
    assertThat(body[1] & 0xff).isEqualTo(0x8b);
    assertThatThrownBy(() -> inflatedLength(body)).isInstanceOf(EOFException.class);
  }

  @Test
  void gzipBombIsSmallAndInflatesPastTheRequestLimit() throws IOException {
    byte[] body = body(Hostile.Kind.GZIP_BOMB);
    assertThat(body.length).isLessThan(128 * 1024);
    assertThat(inflatedLength(body)).isGreaterThan(20L * 1024 * 1024); // otlp.max_request_bytes
  }

  @Test
  void hugeContentLengthSendsAHeadAndNoBody() {
    String[] parts = split(Hostile.request(Hostile.Kind.HUGE_CONTENT_LENGTH, AT, 42));
    assertThat(parts[0]).contains("Content-Length: 100000000\r\n");
    assertThat(parts[1]).isEmpty();
  }

  @Test
  void jsonRequestsAreValidJsonWithTheHostileValue() throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode exponent =
        json.readTree(body(Hostile.Kind.JSON_HUGE_EXPONENT))
            .at("/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(exponent.get("startTimeUnixNano").asText()).isEqualTo("1e30000000");
    assertThat(exponent.get("traceId").asText()).matches("[0-9a-f]{32}");

    JsonNode fullWidth =
        json.readTree(body(Hostile.Kind.FULLWIDTH_HEX_ID))
            .at("/resourceSpans/0/scopeSpans/0/spans/0");
    String traceId = fullWidth.get("traceId").asText();
    assertThat(traceId).hasSize(32);
    assertThat(traceId.chars()).allMatch(c -> c == 0xff11);
    // Character.digit reads it as hex: the trap a lenient decoder falls into.
    assertThat(Character.digit(traceId.charAt(0), 16)).isEqualTo(1);
    assertThat(fullWidth.get("spanId").asText()).matches("[0-9a-f]{16}");
  }

  @Test
  void longNamesAreValidProtobufWith64KiBNamesModelsAndTools() throws IOException {
    ExportTraceServiceRequest r =
        ExportTraceServiceRequest.parseFrom(body(Hostile.Kind.LONG_NAMES));
    List<Span> spans = r.getResourceSpans(0).getScopeSpans(0).getSpansList();
    assertThat(spans).hasSize(4);
    for (Span s : spans) {
      assertThat(s.getName().length()).isGreaterThanOrEqualTo(Hostile.LONG_NAME_BYTES);
      assertThat(s.getAttributesList())
          .anySatisfy(
              kv -> {
                assertThat(kv.getKey()).isIn("gen_ai.request.model", "hermes.tool.name");
                assertThat(kv.getValue().getStringValue()).isEqualTo(s.getName());
              });
    }
    ExportTraceServiceRequest other =
        ExportTraceServiceRequest.parseFrom(
            split(Hostile.request(Hostile.Kind.LONG_NAMES, AT, 43))[1].getBytes(
                StandardCharsets.ISO_8859_1));
    assertThat(other.getResourceSpans(0).getScopeSpans(0).getSpans(0).getName())
        .as("a new label value in every request")
        .isNotEqualTo(spans.get(0).getName());
  }

  @Test
  void orphansShareATraceAndAParentThatIsNeverSent() throws IOException {
    ExportTraceServiceRequest r =
        ExportTraceServiceRequest.parseFrom(body(Hostile.Kind.ORPHAN_SPANS));
    List<Span> spans = r.getResourceSpans(0).getScopeSpans(0).getSpansList();
    assertThat(spans).hasSize(16);
    Set<ByteString> ids = spans.stream().map(Span::getSpanId).collect(Collectors.toSet());
    assertThat(ids).hasSize(16);
    assertThat(spans.stream().map(Span::getTraceId).distinct()).hasSize(1);
    assertThat(spans.stream().map(Span::getParentSpanId).distinct())
        .singleElement()
        .satisfies(p -> assertThat(ids).doesNotContain(p));
    assertThat(spans.get(0).getTraceId().size()).isEqualTo(16);
  }

  @Test
  void slowHeadIsAnUnfinishedHead() {
    byte[] part = Hostile.request(Hostile.Kind.SLOW_HEAD, AT, 42);
    String s = new String(part, StandardCharsets.ISO_8859_1);
    assertThat(s).startsWith("POST /v1/traces HTTP/1.1\r\n").doesNotContain("\r\n\r\n");
  }

  @Test
  void answersAreReadFromTheStatusLine() throws IOException {
    assertThat(
            Hostile.status(
                new ByteArrayInputStream(
                    "HTTP/1.1 413 Request Entity Too Large\r\ncontent-length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1))))
        .isEqualTo("413");
    assertThat(Hostile.status(new ByteArrayInputStream(new byte[0]))).isEqualTo("closed");
    assertThat(Hostile.status(new ByteArrayInputStream(new byte[] {0, 1, 2, '\n'})))
        .isEqualTo("garbled");
    assertThat(Arrays.stream(Hostile.Kind.values()).map(k -> k.expected))
        .allSatisfy(e -> assertThat(e).isNotEmpty());
  }

  @Test
  void heapAfterGcSumsTheHeapPoolsOnly() {
    String exposition =
        "jvm_memory_bytes_used{area=\"heap\",} 3.145728E7\n"
            + "jvm_memory_pool_collection_used_bytes{pool=\"G1 Eden Space\",} 0.0\n"
            + "jvm_memory_pool_collection_used_bytes{pool=\"G1 Old Gen\",} 1048576.0\n"
            + "jvm_memory_pool_collection_used_bytes{pool=\"G1 Survivor Space\",} 1048576.0\n"
            + "jvm_memory_pool_bytes_used{pool=\"Metaspace\",} 9.9E7\n";
    assertThat(Soak.parseHeap(exposition)).containsExactly(2.0, 30.0);
    assertThat(Soak.parseHeap("")).containsExactly(-1.0, -1.0);
  }
}
