package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every refusal of the receivers: the status a client sees, the body that says why, and that the
 * next good request on the same client still succeeds.
 */
class RefusalsIT {
  private static final int LIMIT = 64 * 1024;
  private final RecordingSink sink = new RecordingSink();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Collector collector;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    collector =
        TestCollectors.start(
            sink,
            "otlp.max_request_bytes",
            Integer.toString(LIMIT),
            "otlp.retry_after_seconds",
            "7");
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcAddress().getPort())
            .usePlaintext()
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    collector.close();
  }

  static Span span(long id) {
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(7).putLong(id).array()))
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
        .setName("chat gpt-4o")
        .build();
  }

  static ExportTraceServiceRequest request(Span... spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (Span s : spans) {
      ss.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss))
        .build();
  }

  private HttpResponse<byte[]> post(String path, String contentType, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + collector.httpAddress().getPort() + path))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> good() throws Exception {
    return post(
        "/v1/traces",
        "application/x-protobuf",
        request(span(sink.spans.size() + 100)).toByteArray());
  }

  /** The next good request succeeds and its span arrives. */
  private void assertStillServing() throws Exception {
    int before = sink.spans.size();
    HttpResponse<byte[]> r = good();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(sink.spans).hasSize(before + 1);
    ExportTraceServiceResponse ok =
        TraceServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .export(request(span(before + 1000)));
    assertThat(ok.hasPartialSuccess()).isFalse();
    assertThat(sink.spans).hasSize(before + 2);
  }

  private static com.google.rpc.Status rpcStatus(HttpResponse<byte[]> r) throws Exception {
    return com.google.rpc.Status.parseFrom(r.body());
  }

  @Test
  void malformedProtobufIs400WithAStatusSayingWhere() throws Exception {
    byte[] body = request(span(1), span(2)).toByteArray();
    byte[] cut = java.util.Arrays.copyOf(body, body.length - 3);
    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", cut);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
    com.google.rpc.Status s = rpcStatus(r);
    assertThat(s.getCode()).isEqualTo(3);
    assertThat(s.getMessage()).startsWith("Malformed: truncated").contains("at byte");
    assertThat(sink.spans).isEmpty();
    assertThat(sink.aborted).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void malformedJsonIs400WithAJsonStatus() throws Exception {
    HttpResponse<byte[]> r =
        post(
            "/v1/traces",
            "application/json; charset=utf-8",
            "{\"resourceSpans\":[".getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .startsWith("{\"code\":3,\"message\":\"Malformed JSON: ");
    assertStillServing();
  }

  @Test
  void invalidSpansArePartialSuccessAndTheRestIsKept() throws Exception {
    Span noTrace = span(3).toBuilder().setTraceId(ByteString.EMPTY).setName("broken").build();
    HttpResponse<byte[]> r =
        post(
            "/v1/traces",
            "application/x-protobuf",
            request(span(1), noTrace, span(2)).toByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(resp.getPartialSuccess().getErrorMessage())
        .isEqualTo(
            "1 of 3 spans rejected: invalid trace_id: want 16 bytes, not all zero (span 'broken')");
    assertThat(sink.spans)
        .extracting(RecordingSink.Recorded::spanId)
        .containsExactly("0000000000000001", "0000000000000002");

    ExportTraceServiceResponse g =
        TraceServiceGrpc.newBlockingStub(channel).export(request(noTrace, span(4)));
    assertThat(g.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(sink.spans).hasSize(3);
    assertThat(
            TestCollectors.sample(
                collector, "hermes_collector_spans_refused_total{reason=\"invalid_span\",}"))
        .isEqualTo(2);
    assertStillServing();
  }

  @Test
  void bodiesOverTheLimitAre413BeforeAndAfterDecompression() throws Exception {
    KeyValue big =
        KeyValue.newBuilder()
            .setKey("gen_ai.input.messages")
            .setValue(AnyValue.newBuilder().setStringValue("x".repeat(LIMIT)))
            .build();
    byte[] tooBig = request(span(1).toBuilder().addAttributes(big).build()).toByteArray();
    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", tooBig);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(rpcStatus(r).getMessage()).isEqualTo("request body exceeds " + LIMIT + " bytes");
    assertStillServing();

    // A gzip bomb: 32 MiB of zeros in ~32 KiB; must stop at the limit, not inflate it all.
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bomb)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 32; i++) {
        gz.write(zeros);
      }
    }
    assertThat(bomb.size()).isLessThan(LIMIT);
    r =
        post(
            "/v1/traces", "application/x-protobuf", bomb.toByteArray(), "Content-Encoding", "gzip");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(rpcStatus(r).getMessage())
        .isEqualTo("request body exceeds " + LIMIT + " bytes after decompression");

    // A body that fits once compressed but not once inflated is refused the same way.
    r = post("/v1/traces", "application/x-protobuf", gzip(tooBig), "Content-Encoding", "gzip");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(sink.spans).hasSize(2);
    assertStillServing();

    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                TraceServiceGrpc.newBlockingStub(channel)
                    .export(ExportTraceServiceRequest.parseFrom(tooBig)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertStillServing();
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"grpc\",signal=\"traces\",code=\"RESOURCE_EXHAUSTED\",}"))
        .isEqualTo(1);
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"http\",signal=\"traces\",code=\"413\",}"))
        .isEqualTo(3);
  }

  @Test
  void gzipBodiesAreInflatedAndBadGzipIs400() throws Exception {
    HttpResponse<byte[]> r =
        post(
            "/v1/traces",
            "application/x-protobuf",
            gzip(request(span(9)).toByteArray()),
            "Content-Encoding",
            "gzip");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(sink.spans).hasSize(1);
    r =
        post(
            "/v1/traces",
            "application/x-protobuf",
            "not gzip".getBytes(StandardCharsets.UTF_8),
            "Content-Encoding",
            "gzip");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(rpcStatus(r).getMessage()).startsWith("Malformed: invalid gzip body");
    assertStillServing();
  }

  @Test
  void otherContentTypesAndEncodingsAre415() throws Exception {
    HttpResponse<byte[]> r =
        post("/v1/traces", "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .contains(
            "unsupported content type 'text/plain': use application/x-protobuf or application/json");
    r = post("/v1/traces", null, request(span(1)).toByteArray());
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    r =
        post(
            "/v1/traces",
            "application/x-protobuf",
            request(span(1)).toByteArray(),
            "Content-Encoding",
            "br");
    assertThat(r.statusCode()).isEqualTo(415);
    // One format for every 415: plain text naming what is accepted.
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("unsupported content encoding 'br': use gzip or none\n");
    assertThat(sink.spans).isEmpty();
    assertStillServing();
  }

  @Test
  void otherMethodsAre405AndOtherPaths404() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    HttpResponse<byte[]> n =
        post("/v2/traces", "application/x-protobuf", request(span(1)).toByteArray());
    assertThat(n.statusCode()).isEqualTo(404);
    assertStillServing();
  }

  @Test
  void aFullPipelineIs503WithRetryAfterAndUnavailable() throws Exception {
    sink.full = true;
    HttpResponse<byte[]> r = good();
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
    assertThat(rpcStatus(r).getCode()).isEqualTo(14);
    assertThatThrownBy(
            () -> TraceServiceGrpc.newBlockingStub(channel).export(request(span(5), span(6))))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(sink.spans).isEmpty();
    assertThat(
            TestCollectors.sample(
                collector, "hermes_collector_spans_refused_total{reason=\"pipeline_full\",}"))
        .isEqualTo(3);
    sink.full = false;
    assertStillServing();
  }

  @Test
  void malformedGrpcIsInvalidArgument() throws Exception {
    // A raw call with garbage bytes, through the same raw-bytes method the server uses.
    byte[] garbage = {0x0a, 0x7f, 0x01};
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                io.grpc.stub.ClientCalls.blockingUnaryCall(
                    channel,
                    hermes.collector.proto.OtlpGrpcMethods.TRACE_EXPORT,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    garbage));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("Malformed: truncated length-delimited field 1 at byte 1");
    assertStillServing();
  }

  @Test
  void keepAliveConnectionsSurviveARefusal() throws Exception {
    try (Socket s = new Socket("127.0.0.1", collector.httpAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] bad = "junk".getBytes(StandardCharsets.US_ASCII);
      byte[] good = request(span(77)).toByteArray();
      out.write(head(bad.length));
      out.write(bad);
      out.flush();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 400 Bad Request");
      out.write(head(good.length));
      out.write(good);
      out.flush();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK");
    }
    assertThat(sink.spans).hasSize(1);
  }

  private static byte[] head(int length) {
    return ("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: "
            + length
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Reads one response with a Content-Length body; returns its head. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) c);
    }
    int len = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        len = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(len);
    return head.toString();
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }
}
