package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code promtool check metrics} on a live {@code /metrics}. promtool comes from the Debian {@code
 * prometheus} package, which {@code .ci/run} installs; in CI a missing promtool fails.
 */
class PromtoolIT {
  static Path promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "promtool");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** promtool, or a failure in CI and a skip on a developer machine without it. */
  static Path requirePromtool() {
    Path p = promtool();
    if (p == null && System.getenv("CI") != null) {
      throw new AssertionError("promtool not on PATH: .ci/run must install the prometheus package");
    }
    assumeTrue(p != null, "promtool not installed (apt-get install prometheus)");
    return p;
  }

  @Test
  void liveMetricsPassPromtool() throws Exception {
    Path promtool = requirePromtool();
    try (Collector c = TestCollectors.start(new RecordingSink())) {
      SdkTracerProvider tp =
          SdkTracerProvider.builder()
              .setResource(
                  Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "a")))
              .addSpanProcessor(
                  SimpleSpanProcessor.create(
                      OtlpHttpSpanExporter.builder()
                          .setEndpoint(
                              "http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces")
                          .build()))
              .build();
      tp.get("t").spanBuilder("chat x").startSpan().end();
      tp.forceFlush().join(10, TimeUnit.SECONDS);
      tp.shutdown().join(10, TimeUnit.SECONDS);
      String text = TestCollectors.scrape(c);
      assertThat(text)
          .contains(
              "hermes_collector_spans_received_total{protocol=\"http\",encoding=\"protobuf\",} 1.0");
      Process p =
          new ProcessBuilder(promtool.toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("promtool said:\n%s", out).isZero();
    }
  }
}
