package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A metrics export holding more data points, attributes or messages than {@code
 * metrics.bridge.max_points_per_request} / {@code max_attributes_per_request} / {@code
 * max_messages_per_request} (the defaults, 100,000, 100,000 and 500,000) is refused whole before
 * the bridge parses it, over OTLP/HTTP (protobuf and JSON) and gRPC, counted in {@code
 * hermes_collector_metric_requests_refused_total}, and the next honest export is bridged as usual.
 * The assertions are on answers and counters, not on the heap: the refusal is the bound (without it
 * these requests are answered 200 and applied).
 */
class MetricsRequestBoundsIT {
  private static final int BOUND = 100_000; // the default of both keys
  private static final String REFUSED = "hermes_collector_metric_requests_refused_total{reason=\"";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Collector collector;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.startFull();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcAddress().getPort())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    collector.close();
  }

  /** One gauge {@code name} of {@code points} points valued 0, 1, ... from service {@code job}. */
  private static ExportMetricsServiceRequest gauge(String job, String name, int points) {
    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 0; i < points; i++) {
      g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(1_000L + i).setAsDouble(i));
    }
    return request(job, Metric.newBuilder().setName(name).setGauge(g).build());
  }

  private static ExportMetricsServiceRequest request(String job, Metric metric) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(
                            KeyValue.newBuilder()
                                .setKey("service.name")
                                .setValue(AnyValue.newBuilder().setStringValue(job))))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(metric)))
        .build();
  }

  private HttpResponse<byte[]> post(byte[] body, String contentType) throws Exception {
    return client.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + collector.httpAddress().getPort() + "/v1/metrics"))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> postProtobuf(ExportMetricsServiceRequest r) throws Exception {
    return post(r.toByteArray(), "application/x-protobuf");
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.ISO_8859_1); // the message is ASCII either way
  }

  @Test
  void aPointBombOverHttpIsRefusedAndCountedAndTheNextExportIsBridged() throws Exception {
    HttpResponse<byte[]> bomb = postProtobuf(gauge("bomb", "bomb.points", BOUND + 1));
    assertThat(bomb.statusCode()).isEqualTo(400);
    assertThat(text(bomb))
        .contains("more than 100000 data points")
        .contains("metrics.bridge.max_points_per_request");
    assertThat(TestCollectors.sample(collector, REFUSED + "max_points\",}")).isEqualTo(1.0);
    assertThat(TestCollectors.sample(collector, REFUSED + "max_attributes\",}")).isZero();
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_decode_errors_total{protocol=\"http\",signal=\"metrics\","
                    + "encoding=\"protobuf\",}"))
        .isZero(); // not malformed: counted apart
    assertThat(TestCollectors.scrape(collector)).doesNotContain("job=\"bomb\"");

    // Right after it, an honest export is bridged.
    assertThat(postProtobuf(gauge("after", "honest", 43)).statusCode()).isEqualTo(200);
    assertThat(TestCollectors.sample(collector, "hermes_honest{job=\"after\",}")).isEqualTo(42.0);

    // At the bound exactly: accepted, every point applied in order.
    assertThat(postProtobuf(gauge("under", "bomb.points", BOUND)).statusCode()).isEqualTo(200);
    assertThat(TestCollectors.sample(collector, "hermes_bomb_points{job=\"under\",}"))
        .isEqualTo(BOUND - 1.0);
    assertThat(TestCollectors.sample(collector, REFUSED + "max_points\",}")).isEqualTo(1.0);
  }

  @Test
  void aJsonPointBombIsCountedAfterTranscodingAndRefused() throws Exception {
    StringBuilder json =
        new StringBuilder(
            "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"json.bomb\","
                + "\"gauge\":{\"dataPoints\":[");
    for (int i = 0; i <= BOUND; i++) {
      json.append(i == 0 ? "{}" : ",{}");
    }
    json.append("]}}]}]}]}");
    HttpResponse<byte[]> bomb =
        post(json.toString().getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(bomb.statusCode()).isEqualTo(400);
    assertThat(text(bomb)).contains("metrics.bridge.max_points_per_request");
    assertThat(TestCollectors.sample(collector, REFUSED + "max_points\",}")).isEqualTo(1.0);
    assertThat(TestCollectors.scrape(collector)).doesNotContain("hermes_json_bomb");
  }

  @Test
  void anAttributeBombOverGrpcIsRefusedAndCountedAndTheNextExportIsBridged() throws Exception {
    // One point with 100,000 tiny attributes, plus the resource's service.name: one too many.
    NumberDataPoint.Builder point = NumberDataPoint.newBuilder().setAsDouble(1);
    KeyValue tiny =
        KeyValue.newBuilder()
            .setKey("a")
            .setValue(AnyValue.newBuilder().setStringValue("b"))
            .build();
    for (int i = 0; i < BOUND; i++) {
      point.addAttributes(tiny);
    }
    ExportMetricsServiceRequest bomb =
        request(
            "attribute-bomb",
            Metric.newBuilder()
                .setName("attribute.bomb")
                .setGauge(Gauge.newBuilder().addDataPoints(point))
                .build());
    MetricsServiceGrpc.MetricsServiceBlockingStub stub =
        MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stub.export(bomb))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("more than 100000 attributes")
                  .contains("metrics.bridge.max_attributes_per_request");
            });
    assertThat(TestCollectors.sample(collector, REFUSED + "max_attributes\",}")).isEqualTo(1.0);
    assertThat(TestCollectors.scrape(collector)).doesNotContain("attribute-bomb");

    MetricsServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .export(gauge("after-grpc", "honest", 8));
    assertThat(TestCollectors.sample(collector, "hermes_honest{job=\"after-grpc\",}"))
        .isEqualTo(7.0);
  }

  @Test
  void anExemplarBombIsRefusedByTheMessageBoundAndCounted() throws Exception {
    // One point with 500,000 empty exemplars: no more points or attributes than an honest export,
    // but an object per exemplar once parsed (metrics.bridge.max_messages_per_request, 500,000).
    byte[] exemplars = new byte[2 * 500_000];
    for (int i = 0; i < 500_000; i++) {
      exemplars[2 * i] = 0x2a; // NumberDataPoint.exemplars, length 0
    }
    NumberDataPoint point = NumberDataPoint.parseFrom(exemplars).toBuilder().setAsDouble(1).build();
    HttpResponse<byte[]> bomb =
        postProtobuf(
            request(
                "exemplar-bomb",
                Metric.newBuilder()
                    .setName("exemplar.bomb")
                    .setGauge(Gauge.newBuilder().addDataPoints(point))
                    .build()));
    assertThat(bomb.statusCode()).isEqualTo(400);
    assertThat(text(bomb))
        .contains("more than 500000 protobuf messages")
        .contains("metrics.bridge.max_messages_per_request");
    assertThat(TestCollectors.sample(collector, REFUSED + "max_messages\",}")).isEqualTo(1.0);
    assertThat(TestCollectors.scrape(collector)).doesNotContain("exemplar-bomb");
    assertThat(postProtobuf(gauge("after-exemplars", "honest", 3)).statusCode()).isEqualTo(200);
    assertThat(TestCollectors.sample(collector, "hermes_honest{job=\"after-exemplars\",}"))
        .isEqualTo(2.0);
  }
}
