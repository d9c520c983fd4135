package hermes.collector.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The way out of the collector's telemetry: {@code GET /metrics} rendered from the one registry
 * {@link Telemetry} fills, in the format the scrape negotiates (Prometheus text 0.0.4, or
 * OpenMetrics 1.0 with the exemplars when its {@code Accept} asks for it), the few values the
 * explorer's overview reads, and the count of failed scrapes ({@code
 * hermes_collector_scrape_errors_total}). The admin server uses this and knows nothing of
 * Prometheus.
 *
 * <p>Threading: safe for concurrent use; {@link #render} and {@link #read} run on admin I/O threads
 * and only read the registry's collectors, which are lock-free or briefly locked.
 */
public final class Exposition {
  /** Receives the samples {@link #read} asks for. */
  @FunctionalInterface
  public interface SampleReader {
    /** One sample: its name (with any {@code _total} suffix), labels and value. */
    void sample(String name, List<String> labelNames, List<String> labelValues, double value);
  }

  private final CollectorRegistry registry;
  private final LongAdder scrapeErrors = new LongAdder();

  Exposition(CollectorRegistry registry) {
    this.registry = registry;
    registry.register(new ScrapeErrors());
  }

  /** The content type to answer a scrape with, from its {@code Accept} header (null: text). */
  public String contentType(String accept) {
    return TextFormat.chooseContentType(accept);
  }

  /**
   * Renders every registered family.
   *
   * @param contentType from {@link #contentType}
   * @return the UTF-8 body
   * @throws RuntimeException what a failing collector throws (the scrape is then answered 500)
   */
  public byte[] render(String contentType) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try (Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      TextFormat.writeFormat(contentType, w, registry.metricFamilySamples());
    }
    return out.toByteArray();
  }

  /** Reads the samples of the families that have a sample named in {@code names}. */
  public void read(Set<String> names, SampleReader reader) {
    Enumeration<MetricFamilySamples> families = registry.filteredMetricFamilySamples(names);
    while (families.hasMoreElements()) {
      for (MetricFamilySamples.Sample s : families.nextElement().samples) {
        reader.sample(s.name, s.labelNames, s.labelValues, s.value);
      }
    }
  }

  /** Counts one scrape that failed while rendering or writing (the caller logs it). */
  public void scrapeFailed() {
    scrapeErrors.increment();
  }

  /** {@code hermes_collector_scrape_errors_total}. */
  private final class ScrapeErrors extends Collector {
    @Override
    public List<MetricFamilySamples> collect() {
      return List.of(
          new CounterMetricFamily(
              "hermes_collector_scrape_errors_total",
              "/metrics scrapes that failed while rendering or writing (logged, rate-limited).",
              scrapeErrors.sum()));
    }
  }
}
