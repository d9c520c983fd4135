package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.ingest.TraceConsumer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /metrics} exposition is a contract (spec/metrics.md; the rules and dashboards query
 * it): after traffic through every part of the collector (both receivers, the agent model, the
 * bridge, the forwarder with its spool), every family of {@code exposition-contract.txt} is served
 * with exactly its TYPE, HELP, sample names and label names. The file was captured from the
 * collector before its telemetry was moved behind instrumentation interfaces, so a refactoring of
 * how metrics are registered or rendered cannot change what a scrape sees. Families added later are
 * not in the file and do not fail this test; a family of the file changed or gone does.
 *
 * <p>Regenerate (only for an intended change of the contract) with {@code
 * -Dexposition.write=/path/to/exposition-contract.txt}.
 */
class ExpositionContractIT {
  private static final Duration DEADLINE = Duration.ofSeconds(40);

  @TempDir Path spool;

  @Test
  void everyContractFamilyKeepsItsTypeHelpSamplesAndLabels() throws Exception {
    Map<String, String> expected = load();
    try (Collector backend = TestCollectors.start(TraceConsumer.DISCARD);
        Collector c =
            TestCollectors.startFull(
                "sessions.settle_delay",
                "100ms",
                "sessions.idle_timeout",
                "2s",
                "forward.endpoint",
                "http://127.0.0.1:" + backend.grpcAddress().getPort(),
                "forward.linger",
                "10ms",
                "forward.spool.dir",
                spool.toString())) {
      traffic(c);
      Map<String, String> actual = families(TestCollectors.scrape(c));
      String write = System.getProperty("exposition.write");
      if (write != null) {
        // Capturing: let the sessions finish and the forwarder deliver first.
        long until = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < until
            && !TestCollectors.scrape(c).contains("hermes_sessions_total{")) {
          LockSupport.parkNanos(50_000_000L);
        }
        LockSupport.parkNanos(5_000_000_000L);
        actual = families(TestCollectors.scrape(c));
        Files.write(Path.of(write), new ArrayList<>(actual.values()), StandardCharsets.UTF_8);
        return;
      }
      // Traffic leaves series behind asynchronously (settled turns, forwarded batches): wait until
      // every contract family is there as it should be, then compare once more for the message.
      long end = System.nanoTime() + DEADLINE.toNanos();
      while (System.nanoTime() < end && !contains(actual, expected)) {
        LockSupport.parkNanos(50_000_000L); // the poll's pace, not a guess of when it is there
        actual = families(TestCollectors.scrape(c));
      }
      Map<String, String> served = new TreeMap<>();
      for (String name : expected.keySet()) {
        String a = shaped(expected.get(name), actual.get(name));
        served.put(name, a == null ? "(missing) " + name : a);
      }
      assertThat(served).isEqualTo(expected);
    }
  }

  private static boolean contains(Map<String, String> actual, Map<String, String> expected) {
    for (Map.Entry<String, String> e : expected.entrySet()) {
      if (!e.getValue().equals(shaped(e.getValue(), actual.get(e.getKey())))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code actual} as {@code expected} has it: a family captured without samples (a gauge of what
   * is live, a counter of failures that did not happen) keeps its TYPE and HELP, whatever series
   * the run's timing left in it.
   */
  private static String shaped(String expected, String actual) {
    if (actual == null || !expected.endsWith(" | -")) {
      return actual;
    }
    return actual.substring(0, actual.lastIndexOf(" | ")) + " | -";
  }

  /** Agent sessions over both trace receivers and the plugin's metrics over OTLP/HTTP. */
  private static void traffic(Collector c) {
    String http = "http://127.0.0.1:" + c.httpAddress().getPort();
    sessions(OtlpHttpSpanExporter.builder().setEndpoint(http + "/v1/traces").build(), "h");
    sessions(
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + c.grpcAddress().getPort())
            .build(),
        "g");
    OtlpHttpMetricExporter exporter =
        OtlpHttpMetricExporter.builder().setEndpoint(http + "/v1/metrics").build();
    SdkMeterProvider meters =
        SdkMeterProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), "hermes-agent")))
            .registerMetricReader(
                PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build())
            .build();
    var meter = meters.get("hermes-plugin-otel-tracing");
    meter
        .histogramBuilder("hermes.tool.duration")
        .setUnit("s")
        .build()
        .record(0.125, Attributes.of(AttributeKey.stringKey("tool"), "terminal"));
    meter
        .counterBuilder("hermes.session.turn_count")
        .setUnit("{turn}")
        .build()
        .add(1, Attributes.of(AttributeKey.stringKey("platform"), "cli"));
    assertThat(meters.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
    meters.shutdown().join(20, TimeUnit.SECONDS);
  }

  @SuppressWarnings("try") // Scope is closed for its side effect
  private static void sessions(SpanExporter exporter, String prefix) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), "hermes-agent")))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    Tracer tracer = provider.get("hermes-plugin-otel-tracing");
    for (int i = 0; i < 2; i++) {
      String key = prefix + "-" + i;
      Span session =
          tracer
              .spanBuilder("hermes.session")
              .setAttribute("hermes.span.kind", "AGENT")
              .setAttribute("hermes.session.id", key)
              .setAttribute("gen_ai.system", "hermes-agent")
              .startSpan();
      try (Scope ignored = session.makeCurrent()) {
        Span turn =
            tracer
                .spanBuilder("hermes.turn")
                .setAttribute("hermes.span.kind", "CHAIN")
                .setAttribute("hermes.session.id", key)
                .setAttribute("hermes.turn.index", 1)
                .startSpan();
        try (Scope ignored2 = turn.makeCurrent()) {
          tracer
              .spanBuilder("chat deepseek-v3-0324")
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute("hermes.span.kind", "LLM")
              .setAttribute("gen_ai.request.model", "deepseek-v3-0324")
              .setAttribute("hermes.provider", "deepseek")
              .setAttribute("gen_ai.usage.input_tokens", 100L)
              .setAttribute("gen_ai.usage.output_tokens", 10L)
              .setAttribute(
                  AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                  List.of("tool_calls"))
              .startSpan()
              .end();
          tracer
              .spanBuilder("hermes.tool.terminal")
              .setAttribute("hermes.span.kind", "TOOL")
              .setAttribute("hermes.tool.name", "terminal")
              .setAttribute("hermes.session.id", key)
              .startSpan()
              .end();
        }
        turn.end();
      }
      session.setAttribute("hermes.session.completed", true);
      session.end();
    }
    assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(20, TimeUnit.SECONDS);
  }

  /**
   * Each family of the collector's own (not the JVM's, whose families depend on the JVM): {@code
   * TYPE name type | HELP text | sample name{label names}, ...} keyed by name.
   */
  static Map<String, String> families(String exposition) {
    Map<String, String> types = new TreeMap<>();
    Map<String, String> helps = new TreeMap<>();
    Map<String, TreeSet<String>> samples = new TreeMap<>();
    String family = null;
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# HELP ")) {
        String rest = line.substring(7);
        int sp = rest.indexOf(' ');
        family = sp < 0 ? rest : rest.substring(0, sp);
        helps.put(family, sp < 0 ? "" : rest.substring(sp + 1));
        samples.computeIfAbsent(family, k -> new TreeSet<>());
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        types.put(parts[0], parts[1]);
      } else if (!line.isEmpty() && !line.startsWith("#") && family != null) {
        int brace = line.indexOf('{');
        int sp = line.indexOf(' ');
        String name = brace >= 0 && brace < sp ? line.substring(0, brace) : line.substring(0, sp);
        TreeSet<String> labels = new TreeSet<>();
        if (brace >= 0 && brace < sp) {
          String body = line.substring(brace + 1, line.lastIndexOf('}'));
          // label="value",...: names are before '=' at the start or after '",'
          int i = 0;
          while (i < body.length()) {
            int eq = body.indexOf('=', i);
            labels.add(body.substring(i, eq));
            int q = eq + 2; // past ="
            while (body.charAt(q) != '"') {
              q += body.charAt(q) == '\\' ? 2 : 1;
            }
            i = q + 2; // past ",
          }
        }
        samples.get(family).add(name + labels);
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : helps.entrySet()) {
      String name = e.getKey();
      // The JVM's families depend on the JVM, the bridged SDK self-metrics on the SDK's version.
      if (name.startsWith("jvm")
          || name.startsWith("process_")
          || name.startsWith("hermes_otel_")) {
        continue;
      }
      out.put(
          name,
          "TYPE "
              + name
              + " "
              + types.get(name)
              + " | HELP "
              + e.getValue()
              + " | "
              + (samples.get(name).isEmpty() ? "-" : String.join(", ", samples.get(name))));
    }
    return out;
  }

  private static Map<String, String> load() throws IOException {
    try (InputStream in =
        ExpositionContractIT.class.getResourceAsStream("exposition-contract.txt")) {
      if (in == null) {
        return Map.of();
      }
      Map<String, String> out = new TreeMap<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          out.put(line.substring(5, line.indexOf(' ', 5)), line);
        }
      }
      return out;
    }
  }
}
