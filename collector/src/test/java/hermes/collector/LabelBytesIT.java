package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.prometheus.client.Collector.MetricFamilySamples;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 item 5: huge names and many resources must not take /metrics down, and a scrape that
 * fails says so.
 */
class LabelBytesIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A sample line of the text format: name, optional labels, a value. */
  private static final Pattern SAMPLE =
      Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? [-+0-9.eEinfINFNa]+");

  private static HttpResponse<String> scrape(Collector c) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + c.adminAddress().getPort() + "/metrics"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double value(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  /** The sum of every series of {@code family}. */
  private static double sum(String text, String family) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(family + "{") || line.startsWith(family + " ")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** Every line a comment or a sample, and no line longer than {@code maxLine} characters. */
  private static void assertWellFormed(String text, int maxLine) {
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      assertThat(SAMPLE.matcher(line).matches()).as("sample line %.200s", line).isTrue();
      assertThat(line.length()).as("line %.200s", line).isLessThanOrEqualTo(maxLine);
    }
  }

  /** {@code promtool check metrics} on the text, when promtool is installed. */
  private static void promtool(String text) throws Exception {
    Path promtool = PromtoolIT.promtool();
    if (promtool == null) {
      return;
    }
    Path file = Files.createTempFile("metrics", ".txt");
    try {
      Files.writeString(file, text);
      Process p =
          new ProcessBuilder(promtool.toString(), "check", "metrics")
              .redirectInput(file.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      // Lint warnings (exit 3) are about naming; only a parse failure exits 1.
      assertThat(p.exitValue()).as(out).isNotEqualTo(1);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A string of {@code bytes} UTF-8 bytes mixing 1-, 2-, 3- and 4-byte code points. */
  private static String name(Random r, int bytes, int id) {
    StringBuilder sb = new StringBuilder("m" + id + "-");
    String[] pieces = {"a", "é", "模", "😀"};
    int n = sb.length();
    while (n < bytes) {
      String p = pieces[r.nextInt(pieces.length)];
      sb.append(p);
      n += p.getBytes(StandardCharsets.UTF_8).length;
    }
    return sb.toString();
  }

  @Test
  void hugeNamesAreCutAndMetricsStayAnswerable() throws Exception {
    try (Collector c = TestCollectors.startFull("sessions.settle_delay", "100ms")) {
      SdkTracerProvider tp =
          SdkTracerProvider.builder()
              .addSpanProcessor(
                  BatchSpanProcessor.builder(
                          OtlpHttpSpanExporter.builder()
                              .setEndpoint(
                                  "http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces")
                              .build())
                      .setMaxExportBatchSize(8)
                      .build())
              .build();
      Tracer tracer = tp.get("hermes-plugin-otel-tracing");
      Random r = new Random(11);
      for (int i = 0; i < 300; i++) {
        int bytes = 4096 + r.nextInt(60 * 1024);
        if (i % 2 == 0) {
          String model = name(r, bytes, i);
          tracer
              .spanBuilder("chat")
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute("hermes.span.kind", "LLM")
              .setAttribute("hermes.session.id", "s-" + i)
              .setAttribute("gen_ai.request.model", model)
              .setAttribute("hermes.provider", name(r, bytes, i))
              .setAttribute("gen_ai.usage.input_tokens", 10L)
              .setAttribute("gen_ai.usage.output_tokens", 5L)
              .setAttribute(
                  AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                  List.of(name(r, bytes, i)))
              .startSpan()
              .end();
        } else {
          tracer
              .spanBuilder("hermes.tool")
              .setAttribute("hermes.span.kind", "TOOL")
              .setAttribute("hermes.session.id", "s-" + i)
              .setAttribute("hermes.tool.name", name(r, bytes, i))
              .startSpan()
              .end();
        }
      }
      assertThat(tp.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      tp.shutdown().join(10, TimeUnit.SECONDS);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      HttpResponse<String> last = null;
      while (System.nanoTime() < deadline) {
        try {
          last = scrape(c);
        } catch (java.io.IOException e) {
          last = null; // the old behaviour: a closed connection
        }
        if (last != null
            && last.statusCode() == 200
            && sum(last.body(), "hermes_collector_spans_received_total") >= 300
            && value(last.body(), "hermes_collector_names_truncated_total{kind=\"tool\",}")
                >= 150) {
          break;
        }
        Thread.onSpinWait();
        TimeUnit.MILLISECONDS.sleep(50); // polling interval, not a guess at timing
      }
      assertThat(last).as("a scrape answers").isNotNull();
      assertThat(last.statusCode()).isEqualTo(200);
      String text = last.body();
      assertThat(sum(text, "hermes_collector_spans_received_total")).isEqualTo(300);
      assertThat(value(text, "hermes_collector_names_truncated_total{kind=\"tool\",}"))
          .isEqualTo(150);
      assertThat(value(text, "hermes_collector_names_truncated_total{kind=\"model\",}"))
          .isEqualTo(150);
      assertThat(value(text, "hermes_collector_names_truncated_total{kind=\"provider\",}"))
          .isEqualTo(150);
      // Label values of at most 256 bytes (default semconv.max_name_bytes): lines stay short.
      assertWellFormed(text, 4096);
      promtool(text);
    }
  }

  private static KeyValue attr(String k, String v) {
    return KeyValue.newBuilder()
        .setKey(k)
        .setValue(AnyValue.newBuilder().setStringValue(v))
        .build();
  }

  private static int postMetrics(Collector c, ExportMetricsServiceRequest req) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/metrics"))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(req.toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void targetInfoSharesTheSeriesBound() throws Exception {
    try (Collector c = TestCollectors.startFull("metrics.bridge.max_series", "50")) {
      for (int batch = 0; batch < 4; batch++) {
        ExportMetricsServiceRequest.Builder req = ExportMetricsServiceRequest.newBuilder();
        for (int i = 0; i < 100; i++) {
          req.addResourceMetrics(
              ResourceMetrics.newBuilder()
                  .setResource(
                      Resource.newBuilder()
                          .addAttributes(attr("service.name", "agent"))
                          .addAttributes(attr("service.instance.id", "i-" + batch + "-" + i))
                          .addAttributes(attr("host.name", "h".repeat(10_000) + i)))
                  .addScopeMetrics(
                      ScopeMetrics.newBuilder()
                          .addMetrics(
                              Metric.newBuilder()
                                  .setName("up_" + (i % 2))
                                  .setGauge(
                                      Gauge.newBuilder()
                                          .addDataPoints(
                                              NumberDataPoint.newBuilder()
                                                  .setAsDouble(1)
                                                  .addAttributes(
                                                      attr("v", "x".repeat(10_000))))))));
        }
        assertThat(postMetrics(c, req.build())).isEqualTo(200);
      }
      HttpResponse<String> r = scrape(c);
      assertThat(r.statusCode()).isEqualTo(200);
      String text = r.body();
      long targets = text.lines().filter(l -> l.startsWith("target_info{")).count();
      long bridged = text.lines().filter(l -> l.startsWith("hermes_up_")).count();
      assertThat(targets).isPositive();
      assertThat(targets + bridged).isLessThanOrEqualTo(50);
      assertThat(
              value(
                  text, "hermes_collector_metric_points_rejected_total{reason=\"series_limit\",}"))
          .isGreaterThanOrEqualTo(400 - 50);
      assertThat(value(text, "hermes_collector_bridge_label_values_truncated_total")).isPositive();
      assertWellFormed(text, 4096);
      promtool(text);
    }
  }

  @Test
  void aFailingScrapeIsAnsweredLoggedAndCounted() throws Exception {
    try (Collector c = TestCollectors.startFull()) {
      class Broken extends io.prometheus.client.Collector
          implements io.prometheus.client.Collector.Describable {
        @Override
        public List<MetricFamilySamples> collect() {
          throw new IllegalStateException("collector exploded");
        }

        @Override
        public List<MetricFamilySamples> describe() {
          return List.of(); // registering must not collect
        }
      }
      Broken broken = new Broken();
      c.registry().register(broken);
      HttpResponse<String> r = scrape(c);
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).contains("collector exploded");
      c.registry().unregister(broken);
      HttpResponse<String> ok = scrape(c);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(value(ok.body(), "hermes_collector_scrape_errors_total")).isEqualTo(1);
    }
  }
}
