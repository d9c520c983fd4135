package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Small hostile requests that once cost the collector dearly: a number that became a BigDecimal of
 * 30 million digits, a span name echoed back in full.
 */
class HostileInputIT {
  private final RecordingSink sink = new RecordingSink();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Collector collector;

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.start(sink);
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private HttpRequest post(String contentType, byte[] body) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/traces"))
        .header("Content-Type", contentType)
        // A guard against a hang, not a measurement: the answer comes in microseconds.
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  @Test
  void aHugeExponentIs400AndTheEventLoopsStayFree() throws Exception {
    String json =
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
            + "\"value\":{\"stringValue\":\"agent\"}}]},\"scopeSpans\":[{\"spans\":[{"
            + "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
            + "\"name\":\"chat\",\"startTimeUnixNano\":\"1e30000000\"}]}]}]}";
    assertThat(json.length()).isLessThan(260);
    // Six of these once held every event loop (and /healthz, which shares them) for a minute.
    List<CompletableFuture<HttpResponse<String>>> bad = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      bad.add(
          client.sendAsync(
              post("application/json", json.getBytes(StandardCharsets.UTF_8)),
              HttpResponse.BodyHandlers.ofString()));
    }
    HttpResponse<String> health =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + collector.adminAddress().getPort() + "/healthz"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    for (CompletableFuture<HttpResponse<String>> f : bad) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body())
          .isEqualTo(
              "{\"code\":3,\"message\":\"Malformed JSON: integer out of range for"
                  + " startTimeUnixNano: '1e30000000' at line 1 column "
                  + (json.indexOf("1e30000000") + 12)
                  + " (byte "
                  + (json.indexOf("1e30000000") + 11)
                  + "), in resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano\"}");
    }
    assertThat(sink.spans).isEmpty();
    HttpResponse<String> good =
        client.send(
            post(
                "application/json",
                json.replace("\"1e30000000\"", "\"1.5e18\"").getBytes(StandardCharsets.UTF_8)),
            HttpResponse.BodyHandlers.ofString());
    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(sink.spans).hasSize(1);
  }

  @Test
  void partialSuccessQuotesAShortPrefixOfAHugeSpanName() throws Exception {
    String name = "n".repeat(10 * 1024 * 1024);
    var broken = RefusalsIT.span(1).toBuilder().setTraceId(ByteString.EMPTY).setName(name).build();
    byte[] body = RefusalsIT.request(broken, RefusalsIT.span(2)).toByteArray();
    String expectedStart =
        "1 of 2 spans rejected: invalid trace_id: want 16 bytes, not all zero (span '"
            + "n".repeat(64)
            + "... (10485760 bytes)')";

    HttpResponse<byte[]> r =
        client.send(post("application/x-protobuf", body), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().length).isLessThan(400);
    assertThat(ExportTraceServiceResponse.parseFrom(r.body()).getPartialSuccess().getErrorMessage())
        .isEqualTo(expectedStart);

    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcAddress().getPort())
            .usePlaintext()
            .maxInboundMessageSize(400)
            .build();
    try {
      ExportTraceServiceResponse g =
          TraceServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .export(RefusalsIT.request(broken, RefusalsIT.span(3)));
      assertThat(g.getPartialSuccess().getErrorMessage()).isEqualTo(expectedStart);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(sink.spans).hasSize(2);
  }
}
