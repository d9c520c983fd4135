package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.ingest.Protocol;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real OpenTelemetry SDK exporters against a real collector on loopback. */
class ReceiversIT {
  private final RecordingSink sink = new RecordingSink();
  private Collector collector;

  @BeforeEach
  void start() throws Exception {
    collector = TestCollectors.start(sink);
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private String http(String path) {
    return "http://127.0.0.1:" + collector.httpAddress().getPort() + path;
  }

  private String grpc() {
    return "http://127.0.0.1:" + collector.grpcAddress().getPort();
  }

  @Test
  void otlpHttpProtobufDeliversEverySpanIntact() throws Exception {
    exportAndCheck(
        OtlpHttpSpanExporter.builder().setEndpoint(http("/v1/traces")).build(), Protocol.HTTP);
  }

  @Test
  void otlpHttpProtobufGzipDeliversEverySpanIntact() throws Exception {
    exportAndCheck(
        OtlpHttpSpanExporter.builder()
            .setEndpoint(http("/v1/traces"))
            .setCompression("gzip")
            .build(),
        Protocol.HTTP);
  }

  @Test
  void otlpGrpcDeliversEverySpanIntact() throws Exception {
    exportAndCheck(OtlpGrpcSpanExporter.builder().setEndpoint(grpc()).build(), Protocol.GRPC);
  }

  @Test
  void otlpGrpcGzipDeliversEverySpanIntact() throws Exception {
    exportAndCheck(
        OtlpGrpcSpanExporter.builder().setEndpoint(grpc()).setCompression("gzip").build(),
        Protocol.GRPC);
  }

  /** A session-shaped tree as the hermes plugin writes it, 3 turns, exported in batches. */
  @SuppressWarnings("try") // Scope is closed for its side effect
  private void exportAndCheck(SpanExporter exporter, Protocol protocol) throws Exception {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), "hermes-agent"))))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(4).build())
            .build();
    Tracer tracer = provider.get("hermes-plugin-otel-tracing", "0.3.0");
    List<Span> created = new ArrayList<>();
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", "s-1")
            .startSpan();
    created.add(session);
    try (Scope ignored = session.makeCurrent()) {
      for (int t = 0; t < 3; t++) {
        Span turn =
            tracer
                .spanBuilder("hermes.turn")
                .setAttribute("hermes.span.kind", "CHAIN")
                .setAttribute("hermes.turn.index", t)
                .startSpan();
        created.add(turn);
        try (Scope ignored2 = turn.makeCurrent()) {
          Span chat =
              tracer
                  .spanBuilder("chat claude-sonnet-4")
                  .setSpanKind(SpanKind.CLIENT)
                  .setAttribute("hermes.span.kind", "LLM")
                  .setAttribute("gen_ai.usage.input_tokens", 1200L + t)
                  .setAttribute("hermes.cache.read_tokens", 800L)
                  .setAttribute("gen_ai.request.temperature", 0.7)
                  .setAttribute("gen_ai.request.stream", true)
                  .setAttribute(
                      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                      List.of("tool_calls"))
                  .setAttribute(AttributeKey.longArrayKey("ints"), List.of(1L, 2L))
                  .startSpan();
          chat.end();
          created.add(chat);
          Span tool =
              tracer
                  .spanBuilder("hermes.tool.web_search")
                  .setAttribute("hermes.span.kind", "TOOL")
                  .setAttribute("hermes.tool.name", "web_search")
                  .startSpan();
          tool.setStatus(StatusCode.ERROR, "tool timed out");
          tool.end();
          created.add(tool);
        }
        turn.end();
      }
    }
    session.end();
    assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);

    assertThat(sink.spans).hasSize(created.size());
    Map<String, RecordingSink.Recorded> byId =
        sink.spans.stream().collect(Collectors.toMap(RecordingSink.Recorded::spanId, r -> r));
    for (Span s : created) {
      RecordingSink.Recorded r = byId.get(s.getSpanContext().getSpanId());
      assertThat(r).as("span %s arrived", s).isNotNull();
      assertThat(r.traceId()).isEqualTo(s.getSpanContext().getTraceId());
      assertThat(r.protocol()).isEqualTo(protocol);
      assertThat(r.resource()).containsEntry("service.name", "hermes-agent");
      assertThat(r.scope()).isEqualTo("hermes-plugin-otel-tracing");
    }
    RecordingSink.Recorded chat =
        sink.spans.stream().filter(r -> r.name().startsWith("chat ")).findFirst().orElseThrow();
    assertThat(chat.kind()).isEqualTo(3);
    assertThat(chat.attributes())
        .containsEntry("hermes.span.kind", "LLM")
        .containsEntry("hermes.cache.read_tokens", 800L)
        .containsEntry("gen_ai.request.temperature", 0.7)
        .containsEntry("gen_ai.request.stream", true)
        .containsEntry("gen_ai.response.finish_reasons", List.of("tool_calls"))
        .containsEntry("ints", List.of(1L, 2L));
    RecordingSink.Recorded turn =
        sink.spans.stream().filter(r -> r.name().equals("hermes.turn")).findFirst().orElseThrow();
    assertThat(chat.parentSpanId()).isNotEmpty();
    assertThat(byId).containsKey(turn.parentSpanId());
    RecordingSink.Recorded tool =
        sink.spans.stream()
            .filter(r -> r.name().startsWith("hermes.tool."))
            .findFirst()
            .orElseThrow();
    assertThat(tool.statusCode()).isEqualTo(2);
    assertThat(tool.statusMessage()).isEqualTo("tool timed out");

    String encoding = "protobuf";
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_spans_received_total{protocol=\""
                    + protocol.label()
                    + "\",encoding=\""
                    + encoding
                    + "\",}"))
        .isEqualTo(created.size());
  }

  @Test
  void otlpJsonIsAcceptedAsTheOtlpJsonEncoding() throws Exception {
    String json =
        """
        {"resourceSpans":[{
          "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent-json"}}]},
          "scopeSpans":[{"scope":{"name":"openinference"},"spans":[
            {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
             "parentSpanId":"EEE19B7EC3C1B173","name":"ChatCompletion","kind":3,
             "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",
             "attributes":[
               {"key":"openinference.span.kind","value":{"stringValue":"LLM"}},
               {"key":"session.id","value":{"stringValue":"conv-9"}},
               {"key":"llm.token_count.prompt","value":{"intValue":"321"}}],
             "status":{"code":1}}]}]}]}
        """;
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(http("/v1/traces")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{}");
    assertThat(sink.spans).hasSize(1);
    RecordingSink.Recorded s = sink.spans.get(0);
    assertThat(s.traceId()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(s.spanId()).isEqualTo("eee19b7ec3c1b174");
    assertThat(s.parentSpanId()).isEqualTo("eee19b7ec3c1b173");
    assertThat(s.start()).isEqualTo(1544712660000000000L);
    assertThat(s.statusCode()).isEqualTo(1);
    assertThat(s.attributes()).containsEntry("llm.token_count.prompt", 321L);
    assertThat(s.resource()).containsEntry("service.name", "agent-json");
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_spans_received_total{protocol=\"http\",encoding=\"json\",}"))
        .isEqualTo(1);
  }

  @Test
  void metricsAndLogsAreAcceptedAndCountedOnBothProtocols() throws Exception {
    long httpPoints =
        exportMetrics(OtlpHttpMetricExporter.builder().setEndpoint(http("/v1/metrics")).build());
    long grpcPoints = exportMetrics(OtlpGrpcMetricExporter.builder().setEndpoint(grpc()).build());
    exportLogs(OtlpHttpLogRecordExporter.builder().setEndpoint(http("/v1/logs")).build());
    exportLogs(OtlpGrpcLogRecordExporter.builder().setEndpoint(grpc()).build());
    assertThat(httpPoints).isGreaterThanOrEqualTo(2);
    for (String p : List.of("http", "grpc")) {
      assertThat(
              TestCollectors.sample(
                  collector,
                  "hermes_collector_metric_points_received_total{protocol=\""
                      + p
                      + "\",encoding=\"protobuf\",}"))
          .isEqualTo(p.equals("http") ? httpPoints : grpcPoints);
      assertThat(
              TestCollectors.sample(
                  collector,
                  "hermes_collector_log_records_received_total{protocol=\""
                      + p
                      + "\",encoding=\"protobuf\",}"))
          .isEqualTo(3);
      assertThat(
              TestCollectors.sample(
                  collector,
                  "hermes_collector_requests_total{protocol=\""
                      + p
                      + "\",signal=\"logs\",code=\""
                      + (p.equals("http") ? "200" : "OK")
                      + "\",}"))
          .isEqualTo(1);
    }
  }

  /** Exports two points of a counter; returns how many points the SDK sent successfully. */
  private static long exportMetrics(MetricExporter exporter) {
    AtomicLong sent = new AtomicLong();
    MetricExporter counting =
        new MetricExporter() {
          @Override
          public CompletableResultCode export(Collection<MetricData> metrics) {
            long n = metrics.stream().mapToLong(m -> m.getData().getPoints().size()).sum();
            CompletableResultCode r = exporter.export(metrics);
            return r.whenComplete(
                () -> {
                  if (r.isSuccess()) {
                    sent.addAndGet(n);
                  }
                });
          }

          @Override
          public CompletableResultCode flush() {
            return exporter.flush();
          }

          @Override
          public CompletableResultCode shutdown() {
            return exporter.shutdown();
          }

          @Override
          public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return exporter.getAggregationTemporality(type);
          }
        };
    SdkMeterProvider provider =
        SdkMeterProvider.builder()
            .registerMetricReader(
                PeriodicMetricReader.builder(counting).setInterval(Duration.ofHours(1)).build())
            .build();
    LongCounter c = provider.get("hermes").counterBuilder("hermes.session.turn_count").build();
    c.add(3, Attributes.of(AttributeKey.stringKey("platform"), "cli"));
    c.add(1, Attributes.of(AttributeKey.stringKey("platform"), "telegram"));
    assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return sent.get();
  }

  private static void exportLogs(LogRecordExporter exporter) {
    SdkLoggerProvider provider =
        SdkLoggerProvider.builder()
            .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build())
            .build();
    for (int i = 0; i < 3; i++) {
      provider
          .get("hermes")
          .logRecordBuilder()
          .setSeverity(Severity.WARN)
          .setBody("log " + i)
          .emit();
    }
    assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }
}
