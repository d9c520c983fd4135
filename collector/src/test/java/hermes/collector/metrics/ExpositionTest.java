package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exemplars.Exemplar;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The exposition facade renders exactly what simpleclient's {@link TextFormat} writes for the
 * registry, in both negotiated formats (exemplars in OpenMetrics), and reads samples for the
 * overview without handing out Prometheus types.
 */
class ExpositionTest {
  private final Telemetry telemetry = new Telemetry();
  private final Exposition exposition = telemetry.exposition();

  /** A histogram bucket with an exemplar, and a counter. */
  private static final class Fixed extends Collector {
    @Override
    public List<MetricFamilySamples> collect() {
      List<MetricFamilySamples.Sample> samples = new ArrayList<>();
      samples.add(
          new MetricFamilySamples.Sample(
              "hermes_x_seconds_bucket",
              List.of("le"),
              List.of("+Inf"),
              3,
              new Exemplar(0.5, 1_700_000_000_000L, "trace_id", "abc")));
      samples.add(
          new MetricFamilySamples.Sample("hermes_x_seconds_count", List.of(), List.of(), 3));
      samples.add(
          new MetricFamilySamples.Sample("hermes_x_seconds_sum", List.of(), List.of(), 1.5));
      return List.of(
          new MetricFamilySamples("hermes_x_seconds", Type.HISTOGRAM, "x.", samples),
          new MetricFamilySamples(
              "hermes_tokens",
              Type.COUNTER,
              "tokens.",
              List.of(
                  new MetricFamilySamples.Sample(
                      "hermes_tokens_total", List.of("token_type"), List.of("prompt"), 7))));
    }
  }

  private String direct(String contentType) throws Exception {
    CollectorRegistry r = telemetry.registry();
    StringWriter w = new StringWriter();
    TextFormat.writeFormat(contentType, w, r.metricFamilySamples());
    return w.toString();
  }

  @Test
  void rendersWhatTextFormatWritesInTheNegotiatedFormat() throws Exception {
    telemetry.registry().register(new Fixed());
    String text = exposition.contentType(null);
    String om = exposition.contentType("application/openmetrics-text; version=1.0.0");
    assertThat(text).isEqualTo(TextFormat.CONTENT_TYPE_004);
    assertThat(om).isEqualTo(TextFormat.CONTENT_TYPE_OPENMETRICS_100);
    assertThat(new String(exposition.render(text), StandardCharsets.UTF_8))
        .isEqualTo(direct(text))
        .contains("hermes_collector_scrape_errors_total 0.0");
    assertThat(new String(exposition.render(om), StandardCharsets.UTF_8))
        .isEqualTo(direct(om))
        .contains("# {trace_id=\"abc\"} 0.5 1700000000.000")
        .endsWith("# EOF\n");
  }

  @Test
  void failedScrapesAreCountedAndAFailingCollectorThrows() throws Exception {
    exposition.scrapeFailed();
    exposition.scrapeFailed();
    String text =
        new String(exposition.render(exposition.contentType(null)), StandardCharsets.UTF_8);
    assertThat(text).contains("hermes_collector_scrape_errors_total 2.0");
    class Broken extends Collector implements Collector.Describable {
      @Override
      public List<MetricFamilySamples> collect() {
        throw new IllegalStateException("exploded");
      }

      @Override
      public List<MetricFamilySamples> describe() {
        return List.of(); // registering must not collect
      }
    }
    telemetry.registry().register(new Broken());
    assertThatThrownBy(() -> exposition.render(exposition.contentType(null)))
        .hasMessageContaining("exploded");
  }

  @Test
  void readsTheNamedSamplesOnly() {
    telemetry.registry().register(new Fixed());
    List<String> seen = new ArrayList<>();
    exposition.read(
        Set.of("hermes_tokens_total"),
        (name, labelNames, labelValues, value) ->
            seen.add(name + labelNames + labelValues + value));
    assertThat(seen).containsExactly("hermes_tokens_total[token_type][prompt]7.0");
  }
}
