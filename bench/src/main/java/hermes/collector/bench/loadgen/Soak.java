package hermes.collector.bench.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak side of a load run: hostile requests mixed in with the good ones (a fraction of them,
 * the kinds in turn), their answers counted by kind apart from the good requests' outcomes, and a
 * timeline sampled every few seconds (RSS of the collector's process, its heap after the last GC,
 * the good requests' p99 and errors in the window, the hostile answers that were not expected).
 *
 * <p>Threading: {@link #maybeSend} from the sender threads; hostile requests run on a bounded pool
 * of their own (a stalled one never holds up the good load: when the pool is full the hostile
 * request is skipped and counted); {@link #sample} and {@link #finish} from the one reporting
 * thread.
 */
final class Soak implements AutoCloseable {
  /** Hostile requests in flight at most (a slow head holds its thread ~10 s). */
  static final int MAX_HOSTILE_IN_FLIGHT = 64;

  private static final Pattern POOL_AFTER_GC =
      Pattern.compile(
          "^jvm_memory_pool_collection_used_bytes\\{pool=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)",
          Pattern.MULTILINE);
  private static final Pattern HEAP_USED =
      Pattern.compile(
          "^jvm_memory_bytes_used\\{area=\"heap\"[^}]*\\}\\s+(\\S+)", Pattern.MULTILINE);
  private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

  private final double fraction;
  private final Hostile.Kind[] kinds;
  private final InetSocketAddress hostileTo;
  private final long pid;
  private final URI metrics;
  private final PrintWriter timeline;
  private final ThreadPoolExecutor pool;
  private final HttpClient scraper =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<Hostile.Kind, Map<String, LongAdder>> answers =
      new EnumMap<>(Hostile.Kind.class);
  final LongAdder hostileSent = new LongAdder();
  final LongAdder hostileSkipped = new LongAdder();
  final LongAdder hostileUnexpected = new LongAdder();
  private long lastUnexpected;
  private long lastErrors;
  private long lastRefused;
  private long lastOk;

  /**
   * @param fraction hostile requests per good request, 0 for none
   * @param kinds the kinds sent, in turn
   * @param hostileTo the OTLP/HTTP listener the hostile requests go to
   * @param pid the collector's process id for RSS, or 0 for none
   * @param metrics the collector's {@code /metrics} for heap figures, or null for none
   * @param timelineCsv where the timeline goes, or null for none
   */
  Soak(
      double fraction,
      java.util.Set<Hostile.Kind> kinds,
      InetSocketAddress hostileTo,
      long pid,
      URI metrics,
      Path timelineCsv)
      throws IOException {
    this.fraction = fraction;
    this.kinds = kinds.toArray(new Hostile.Kind[0]);
    this.hostileTo = hostileTo;
    this.pid = pid;
    this.metrics = metrics;
    for (Hostile.Kind k : this.kinds) {
      answers.put(k, new ConcurrentHashMap<>());
    }
    pool =
        new ThreadPoolExecutor(
            0,
            MAX_HOSTILE_IN_FLIGHT,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "loadgen-hostile");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    timeline =
        timelineCsv == null ? null : new PrintWriter(Files.newBufferedWriter(timelineCsv), true);
    if (timeline != null) {
      timeline.println(
          "elapsed_s,rss_mib,heap_after_gc_mib,heap_used_mib,good_ok,good_refused,good_errors,"
              + "spans_per_s,p99_ms,max_ms,hostile_sent,hostile_unexpected,hostile_skipped");
    }
  }

  /**
   * After good request number {@code sequence}: sends a hostile request with probability {@code
   * fraction}, its kind chosen in turn. Never blocks.
   */
  void maybeSend(long sequence) {
    if (fraction <= 0
        || new SplittableRandom(sequence * 0x9E3779B97F4A7C15L).nextDouble() >= fraction) {
      return;
    }
    long n = hostileSent.sum() + hostileSkipped.sum();
    Hostile.Kind kind = kinds[(int) (n % kinds.length)];
    try {
      pool.execute(() -> record(kind, Hostile.send(kind, hostileTo, sequence)));
      hostileSent.increment();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      hostileSkipped.increment();
    }
  }

  void record(Hostile.Kind kind, String answer) {
    answers.get(kind).computeIfAbsent(answer, a -> new LongAdder()).increment();
    if (!kind.expected.contains(answer)) {
      hostileUnexpected.increment();
    }
  }

  /** Hostile answers so far: kind -> answer -> count. */
  Map<String, Map<String, Long>> answers() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    answers.forEach(
        (k, m) -> {
          Map<String, Long> c = new TreeMap<>();
          m.forEach((a, n) -> c.put(a, n.sum()));
          out.put(k.name().toLowerCase(Locale.ROOT), c);
        });
    return out;
  }

  /** Waits (at most {@code timeoutMillis}) for the hostile requests in flight to be answered. */
  boolean finish(long timeoutMillis) throws InterruptedException {
    pool.shutdown();
    return pool.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * One timeline line for the window that ends now.
   *
   * @param p99Millis the good requests' p99 in the window
   */
  void sample(
      double elapsedSeconds,
      LoadStats stats,
      double spansPerSecond,
      double p99Millis,
      double maxMillis) {
    // The counts first: the scrape below may take seconds when the collector struggles.
    long ok = stats.okRequests.sum();
    long refused = stats.refused.sum();
    long errors = stats.errors.sum();
    long unexpected = hostileUnexpected.sum();
    long sent = hostileSent.sum();
    long skipped = hostileSkipped.sum();
    double rss = rssMib();
    double[] heap = heapMib();
    String line =
        String.format(
            Locale.ROOT,
            "%.1f,%.1f,%.1f,%.1f,%d,%d,%d,%.0f,%.2f,%.2f,%d,%d,%d",
            elapsedSeconds,
            rss,
            heap[0],
            heap[1],
            ok - lastOk,
            refused - lastRefused,
            errors - lastErrors,
            spansPerSecond,
            p99Millis,
            maxMillis,
            sent,
            unexpected - lastUnexpected,
            skipped);
    lastOk = ok;
    lastRefused = refused;
    lastErrors = errors;
    lastUnexpected = unexpected;
    if (timeline != null) {
      timeline.println(line);
    }
  }

  /** The collector's resident set in MiB, or -1 when unknown. */
  double rssMib() {
    if (pid <= 0) {
      return -1;
    }
    try {
      Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
      return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * The collector's heap in MiB from its {@code /metrics}: {after the last GC (the heap pools'
   * collection usage summed), in use now}; -1 each when unknown.
   */
  double[] heapMib() {
    if (metrics == null) {
      return new double[] {-1, -1};
    }
    try {
      String text =
          scraper
              .send(
                  HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return parseHeap(text);
    } catch (IOException e) {
      return new double[] {-1, -1};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new double[] {-1, -1};
    }
  }

  static double[] parseHeap(String exposition) {
    double afterGc = -1;
    Matcher m = POOL_AFTER_GC.matcher(exposition);
    while (m.find()) {
      String pool = m.group(1);
      // The heap pools of G1, Parallel and Serial; not Metaspace or the code cache.
      if (pool.contains("Eden")
          || pool.contains("Survivor")
          || pool.contains("Old")
          || pool.contains("Tenured")) {
        afterGc = Math.max(afterGc, 0) + Double.parseDouble(m.group(2));
      }
    }
    Matcher h = HEAP_USED.matcher(exposition);
    double used = h.find() ? Double.parseDouble(h.group(1)) : -1;
    return new double[] {
      afterGc < 0 ? -1 : afterGc / (1024 * 1024), used < 0 ? -1 : used / (1024 * 1024)
    };
  }

  @Override
  public void close() {
    pool.shutdownNow();
    if (timeline != null) {
      timeline.close();
    }
  }
}
