package hermes.collector.bench.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.bench.HermesCorpus;
import hermes.collector.bench.OtlpJson;
import hermes.collector.bench.Rekeyer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hermes-loadgen}: drives a running collector with hermes-shaped sessions over
 * OTLP/HTTP-protobuf, OTLP/HTTP-JSON or OTLP/gRPC, in an open loop at a target rate (latency
 * measured from each request's intended send time, so a stalled collector cannot hide its stall:
 * coordinated omission) or a closed loop of N connections at full speed.
 *
 * <p>The corpus ({@code --sessions} sessions from {@code --seed}) is built before the clock starts
 * and sent round-robin; each pass over it is re-keyed (new trace, span and session ids), so a long
 * run keeps sending new sessions.
 */
@Command(
    name = "hermes-loadgen",
    mixinStandardHelpOptions = true,
    description =
        "Sends hermes-shaped agent sessions to an OTLP trace endpoint and reports"
            + " spans/s and latency.")
public final class LoadGenerator implements Callable<Integer> {
  @Option(
      names = "--protocol",
      defaultValue = "http/protobuf",
      description = "http/protobuf, http/json or grpc (default: ${DEFAULT-VALUE})")
  String protocol;

  @Option(
      names = "--endpoint",
      description = "the collector; default http://127.0.0.1:4318 (HTTP) or :4317 (gRPC)")
  URI endpoint;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "spans per second, open loop; 0 = closed loop at full speed (default)")
  long rate;

  @Option(
      names = "--connections",
      defaultValue = "4",
      description = "closed loop: requests in flight (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(
      names = "--duration",
      defaultValue = "10s",
      description = "how long to send, e.g. 30s, 2m (default: ${DEFAULT-VALUE})")
  String duration;

  @Option(
      names = "--warmup",
      defaultValue = "0s",
      description =
          "send this long first without counting it (JIT warm-up of both sides), e.g. 5s"
              + " (default: ${DEFAULT-VALUE})")
  String warmup;

  @Option(
      names = "--sessions",
      defaultValue = "1000",
      description = "sessions in the corpus (default: ${DEFAULT-VALUE})")
  int sessions;

  @Option(
      names = "--batch",
      defaultValue = "512",
      description = "spans per request, as the SDK's batch processor (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--seed", defaultValue = "1", description = "corpus seed (default: 1)")
  long seed;

  @Option(names = "--json", description = "print the summary as JSON")
  boolean json;

  @Option(
      names = "--hostile-fraction",
      defaultValue = "0",
      description =
          "soak: after each good request, send a bad or hostile OTLP/HTTP request with this"
              + " probability (malformed protobuf, truncated gzip, gzip bomb, huge Content-Length,"
              + " 1e30000000 times, full-width hex ids, 64 KiB names, orphan spans, stalled"
              + " heads; the kinds in turn), e.g. 0.02 (default: ${DEFAULT-VALUE})")
  double hostileFraction;

  @Option(
      names = "--hostile-kinds",
      split = ",",
      description =
          "soak: only these hostile kinds, comma-separated (default: all): ${COMPLETION-CANDIDATES}")
  java.util.EnumSet<Hostile.Kind> hostileKinds;

  @Option(
      names = "--hostile-endpoint",
      description =
          "soak: the OTLP/HTTP listener for the hostile requests; default the --endpoint for"
              + " HTTP, http://127.0.0.1:4318 for gRPC")
  URI hostileEndpoint;

  @Option(
      names = "--target-pid",
      defaultValue = "0",
      description = "soak: the collector's process id; its RSS goes in the timeline")
  long targetPid;

  @Option(
      names = "--metrics-url",
      description =
          "soak: the collector's /metrics (e.g. http://127.0.0.1:8889/metrics); its heap after"
              + " GC goes in the timeline")
  URI metricsUrl;

  @Option(
      names = "--timeline",
      description =
          "soak: write a CSV timeline here (RSS, heap after GC, good requests' p99 and errors,"
              + " unexpected hostile answers, per --sample-every window)")
  java.nio.file.Path timeline;

  @Option(
      names = "--sample-every",
      defaultValue = "10s",
      description = "soak: the timeline's window (default: ${DEFAULT-VALUE})")
  String sampleEvery;

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new LoadGenerator())
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long runNanos;
    long warmupNanos;
    long sampleNanos;
    try {
      warmupNanos = parseDuration("--warmup", warmup, true);
      runNanos = warmupNanos + parseDuration("--duration", duration, false);
      sampleNanos = parseDuration("--sample-every", sampleEvery, false);
      if (!(hostileFraction >= 0 && hostileFraction <= 1)) {
        throw new IllegalArgumentException(
            "--hostile-fraction: " + hostileFraction + " is not between 0 and 1");
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    List<ExportTraceServiceRequest> requests =
        NearNow.shift(
            HermesCorpus.sessions(seed, sessions, batch),
            TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()));
    EndlessCorpus corpus = corpus(requests);
    long corpusSpans = corpus.spansPerPass();
    if (!json) {
      System.err.printf(
          Locale.ROOT,
          "corpus: %d sessions, %,d spans (%.0f per session), in %d requests; sessions end now;"
              + " ids are re-keyed on each pass over the corpus%n",
          sessions,
          corpusSpans,
          (double) corpusSpans / Math.max(1, sessions),
          corpus.size());
    }
    Failures failures = new Failures();
    URI hostileBase =
        hostileEndpoint != null
            ? hostileEndpoint
            : endpoint != null && !protocol.equals("grpc")
                ? endpoint
                : URI.create("http://127.0.0.1:4318");
    try (Target target = target(failures);
        Soak soak =
            new Soak(
                hostileFraction,
                hostileKinds == null || hostileKinds.isEmpty()
                    ? java.util.EnumSet.allOf(Hostile.Kind.class)
                    : hostileKinds,
                new java.net.InetSocketAddress(
                    hostileBase.getHost(),
                    hostileBase.getPort() < 0 ? 4318 : hostileBase.getPort()),
                targetPid,
                metricsUrl,
                timeline)) {
      long start = System.nanoTime();
      LoadStats stats = new LoadStats(start + warmupNanos);
      Thread sender =
          new Thread(
              rate > 0
                  ? () -> openLoop(target, corpus, stats, start, runNanos, soak)
                  : () -> closedLoop(target, corpus, stats, start, runNanos, soak),
              "loadgen-sender");
      sender.start();
      report(stats, start, sender, soak, sampleNanos);
      boolean hostileDone = soak.finish(2L * Hostile.ANSWER_TIMEOUT_MILLIS);
      Histogram h = stats.total();
      double seconds = (System.nanoTime() - start - warmupNanos) / 1e9;
      System.out.println(
          json
              ? summaryJson(stats, h, seconds, corpusSpans, soak)
              : String.format(
                  Locale.ROOT,
                  "%s %s: %,.0f spans/s accepted (%,d spans in %.1f s); latency p50 %.2f ms, p99"
                      + " %.2f ms, p99.9 %.2f ms, max %.2f ms; refused %d, errors %d",
                  protocol,
                  rate > 0 ? "open loop at " + rate + " spans/s" : "closed loop x" + connections,
                  stats.okSpans.sum() / seconds,
                  stats.okSpans.sum(),
                  seconds,
                  h.getValueAtPercentile(50) / 1e3,
                  h.getValueAtPercentile(99) / 1e3,
                  h.getValueAtPercentile(99.9) / 1e3,
                  h.getMaxValue() / 1e3,
                  stats.refused.sum(),
                  stats.errors.sum()));
      if (failures.first() != null) {
        System.err.println("failed or refused requests: " + failures.summary());
      }
      if (hostileFraction > 0 && !json) {
        System.out.printf(
            Locale.ROOT,
            "hostile: %d sent, %d skipped (pool full), %d answered unexpectedly; by kind: %s%n",
            soak.hostileSent.sum(),
            soak.hostileSkipped.sum(),
            soak.hostileUnexpected.sum(),
            soak.answers());
      }
      if (!hostileDone) {
        System.err.println("hermes-loadgen: hostile requests still unanswered at the end");
        return 1;
      }
      if (stats.okRequests.sum() == 0) {
        System.err.println(
            "hermes-loadgen: no request was accepted"
                + (failures.first() == null ? "" : " (" + failures.first() + ")"));
        return 1;
      }
      return 0;
    }
  }

  private static int spanCount(ExportTraceServiceRequest r) {
    int n = 0;
    for (var rs : r.getResourceSpansList()) {
      for (var ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  /** The corpus in the wire format of {@code --protocol}, endless. */
  private EndlessCorpus corpus(List<ExportTraceServiceRequest> requests) throws Exception {
    int[] spans = requests.stream().mapToInt(LoadGenerator::spanCount).toArray();
    List<byte[]> bodies = new ArrayList<>(requests.size());
    if (protocol.equals("http/json")) {
      for (ExportTraceServiceRequest r : requests) {
        bodies.add(OtlpJson.of(r).getBytes(StandardCharsets.UTF_8));
      }
      return new EndlessCorpus(bodies, spans, Rekeyer::ofJson);
    }
    requests.forEach(r -> bodies.add(r.toByteArray()));
    return new EndlessCorpus(bodies, spans, Rekeyer::of);
  }

  private Target target(Failures failures) {
    switch (protocol) {
      case "grpc":
        URI g = endpoint != null ? endpoint : URI.create("http://127.0.0.1:4317");
        return new GrpcTarget(g.getHost(), g.getPort() < 0 ? 4317 : g.getPort(), failures);
      case "http/protobuf":
        return new HttpTarget(tracesUrl(), "application/x-protobuf", failures);
      case "http/json":
        return new HttpTarget(tracesUrl(), "application/json", failures);
      default:
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--protocol: '" + protocol + "' is not one of http/protobuf, http/json, grpc");
    }
  }

  private URI tracesUrl() {
    URI base = endpoint != null ? endpoint : URI.create("http://127.0.0.1:4318");
    String path = base.getPath();
    return path == null || path.isEmpty() || path.equals("/") ? base.resolve("/v1/traces") : base;
  }

  /** Sends at the target rate; each latency counts from the request's intended send time. */
  private void openLoop(
      Target target, EndlessCorpus corpus, LoadStats stats, long start, long runNanos, Soak soak) {
    double avgSpans = (double) corpus.spansPerPass() / corpus.size();
    long interval = Math.max(1, (long) (avgSpans * 1e9 / rate));
    // Bounds memory when the collector stalls; a sender waiting here is late, and the latency
    // of what it sends still counts from when it should have gone.
    Semaphore inFlight = new Semaphore(10_000);
    for (long i = 0; ; i++) {
      long intended = start + i * interval;
      if (intended - start >= runNanos) {
        break;
      }
      long wait = intended - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      inFlight.acquireUninterruptibly();
      int spans = corpus.spans(i);
      target
          .send(corpus.body(i))
          .thenAccept(
              r -> {
                stats.record(r, spans, System.nanoTime() - intended, intended);
                inFlight.release();
              });
      soak.maybeSend(i);
    }
    inFlight.acquireUninterruptibly(10_000); // every request answered
  }

  /** {@code connections} requests in flight at all times, each sent when one returns. */
  private void closedLoop(
      Target target, EndlessCorpus corpus, LoadStats stats, long start, long runNanos, Soak soak) {
    AtomicLong next = new AtomicLong();
    Thread[] workers = new Thread[connections];
    for (int w = 0; w < connections; w++) {
      workers[w] =
          new Thread(
              () -> {
                while (System.nanoTime() - start < runNanos) {
                  long sequence = next.getAndIncrement();
                  byte[] body = corpus.body(sequence);
                  long sent = System.nanoTime();
                  Target.Result r = target.send(body).join();
                  stats.record(r, corpus.spans(sequence), System.nanoTime() - sent, sent);
                  soak.maybeSend(sequence);
                }
              },
              "loadgen-" + w);
      workers[w].start();
    }
    for (Thread t : workers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * A progress line every second until the sender is done, and a timeline line every {@code
   * sampleNanos}.
   */
  private void report(LoadStats stats, long start, Thread sender, Soak soak, long sampleNanos)
      throws InterruptedException {
    long lastSpans = 0;
    long lastAt = start;
    Histogram window = new Histogram(3);
    long windowSpans = 0;
    long windowFrom = start;
    for (boolean alive = true; alive; ) {
      sender.join(1_000);
      // Read once: a sample may take seconds (it scrapes the collector), and the last window
      // must still be written when the sender ends meanwhile.
      alive = sender.isAlive();
      long now = System.nanoTime();
      Histogram h = stats.interval();
      long spansNow = stats.okSpans.sum() + stats.warmUpSpans.sum();
      window.add(h);
      if (now - windowFrom >= sampleNanos || !alive) {
        soak.sample(
            (now - start) / 1e9,
            stats,
            (spansNow - windowSpans) * 1e9 / Math.max(1, now - windowFrom),
            window.getValueAtPercentile(99) / 1e3,
            window.getMaxValue() / 1e3);
        window.reset();
        windowSpans = spansNow;
        windowFrom = now;
      }
      if (!json) {
        System.err.printf(
            Locale.ROOT,
            "%5.1f s  %,10.0f spans/s  p99 %8.2f ms  max %8.2f ms  refused %d  errors %d%n",
            (now - start) / 1e9,
            (spansNow - lastSpans) * 1e9 / Math.max(1, now - lastAt),
            h.getValueAtPercentile(99) / 1e3,
            h.getMaxValue() / 1e3,
            stats.refused.sum(),
            stats.errors.sum());
      }
      lastSpans = spansNow;
      lastAt = now;
    }
  }

  private String summaryJson(
      LoadStats stats, Histogram h, double seconds, long corpusSpans, Soak soak)
      throws java.io.IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("protocol", protocol);
      g.writeStringField("mode", rate > 0 ? "open" : "closed");
      g.writeNumberField("target_spans_per_second", rate);
      g.writeNumberField("connections", connections);
      g.writeNumberField("seconds", seconds);
      g.writeNumberField("corpus_spans", corpusSpans);
      g.writeNumberField("spans_accepted", stats.okSpans.sum());
      g.writeNumberField("warmup_spans_accepted", stats.warmUpSpans.sum());
      g.writeNumberField("spans_per_second", stats.okSpans.sum() / seconds);
      g.writeNumberField("requests_accepted", stats.okRequests.sum());
      g.writeNumberField("requests_refused", stats.refused.sum());
      g.writeNumberField("requests_failed", stats.errors.sum());
      g.writeObjectFieldStart("latency_ms");
      g.writeNumberField("p50", h.getValueAtPercentile(50) / 1e3);
      g.writeNumberField("p99", h.getValueAtPercentile(99) / 1e3);
      g.writeNumberField("p99_9", h.getValueAtPercentile(99.9) / 1e3);
      g.writeNumberField("max", h.getMaxValue() / 1e3);
      g.writeEndObject();
      if (hostileFraction > 0) {
        g.writeObjectFieldStart("hostile");
        g.writeNumberField("sent", soak.hostileSent.sum());
        g.writeNumberField("skipped", soak.hostileSkipped.sum());
        g.writeNumberField("unexpected", soak.hostileUnexpected.sum());
        g.writeObjectFieldStart("answers");
        for (var kind : soak.answers().entrySet()) {
          g.writeObjectFieldStart(kind.getKey());
          for (var a : kind.getValue().entrySet()) {
            g.writeNumberField(a.getKey(), a.getValue());
          }
          g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    return w.toString();
  }

  static long parseDuration(String option, String s, boolean zeroAllowed) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s.trim());
    if (!m.matches() || (!zeroAllowed && Long.parseLong(m.group(1)) == 0)) {
      throw new IllegalArgumentException(
          option + ": '" + s + "' is not like 500ms, 30s, 2m, 1h" + (zeroAllowed ? "" : " (> 0)"));
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return TimeUnit.MILLISECONDS.toNanos(n);
      case "s":
        return TimeUnit.SECONDS.toNanos(n);
      case "m":
        return TimeUnit.MINUTES.toNanos(n);
      default:
        return TimeUnit.HOURS.toNanos(n);
    }
  }
}
