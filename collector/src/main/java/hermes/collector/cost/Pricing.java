package hermes.collector.cost;

import hermes.collector.semconv.AgentSpan;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live price table: prices calls, and reloads the table when its file changes (polled) or when
 * asked ({@code POST /-/reload}). A file that does not parse keeps the old table, is logged and
 * counted: never half-applied.
 *
 * <p>Threading: {@link #costPico} is lock-free and safe from any thread (it reads an immutable
 * table through a volatile reference); reloads are serialized.
 */
public final class Pricing implements AutoCloseable {
  /** The cost of a call nobody can price. */
  public static final long UNPRICED = -1;

  private static final Logger log = LoggerFactory.getLogger(Pricing.class);
  private static final String EMBEDDED = "/pricing.yaml";

  private final Path file;
  private final LongAdder reloadsOk = new LongAdder();
  private final LongAdder reloadsFailed = new LongAdder();
  private final ScheduledExecutorService poller;
  private volatile PriceTable table;
  private volatile String lastError;
  private long seenModified;
  private long seenSize;

  private Pricing(Path file, PriceTable table, Duration pollInterval) {
    this.file = file;
    this.table = table;
    if (file != null && !pollInterval.isZero()) {
      stamp();
      poller =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "pricing-watch");
                t.setDaemon(true);
                return t;
              });
      long ms = pollInterval.toMillis();
      poller.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      poller = null;
    }
  }

  /**
   * Loads the table: from {@code file} when given (watched every {@code pollInterval}; zero turns
   * watching off), else the table embedded in the jar ({@code config/pricing.yaml}).
   *
   * @throws PricingException when the initial table cannot be used
   */
  public static Pricing load(Path file, Duration pollInterval) throws PricingException {
    PriceTable t = file == null ? embedded() : read(file);
    return new Pricing(file, t, pollInterval);
  }

  /** A fixed table, for tests and benchmarks. */
  public static Pricing of(PriceTable table) {
    return new Pricing(null, table, Duration.ZERO);
  }

  static PriceTable embedded() throws PricingException {
    return PriceFile.parse(
        () ->
            new InputStreamReader(
                java.util.Objects.requireNonNull(
                    Pricing.class.getResourceAsStream(EMBEDDED), "embedded pricing.yaml"),
                StandardCharsets.UTF_8),
        "embedded pricing.yaml");
  }

  private static PriceTable read(Path file) throws PricingException {
    return PriceFile.parse(
        () -> Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * The cost of an LLM call in pico-dollars: the cost the agent reported when it did, else the
   * table's price, else {@link #UNPRICED}.
   */
  public long costPico(AgentSpan call) {
    double reported = call.reportedCostUsd();
    if (!Double.isNaN(reported)) {
      return Math.round(reported * Price.PICO_PER_USD);
    }
    ModelPrice p = table.lookup(call.model(), call.provider());
    if (p == null) {
      return UNPRICED;
    }
    return p.priceFor(call.inputTokens())
        .costPico(
            call.inputTokens(),
            call.outputTokens(),
            call.cacheReadTokens(),
            call.cacheWriteTokens(),
            call.reasoningTokens());
  }

  /** Whose model {@code model} is, by the current table; null when it does not say. */
  public String providerOf(String model) {
    return table.providerOf(model);
  }

  /** The current table. */
  public PriceTable table() {
    return table;
  }

  /** Reloads now. Returns null on success, else why the file was refused (the old table stays). */
  public synchronized String reload() {
    try {
      PriceTable t = file == null ? embedded() : read(file);
      stamp();
      table = t;
      lastError = null;
      reloadsOk.increment();
      log.info(
          "price table reloaded: {} entries from {}", t.size(), file == null ? "the jar" : file);
      return null;
    } catch (PricingException e) {
      stamp(); // do not retry the same broken file every poll; the next change is retried
      lastError = e.getMessage();
      reloadsFailed.increment();
      log.warn("price table not reloaded, keeping the previous one: {}", e.getMessage());
      return e.getMessage();
    }
  }

  private synchronized void reloadIfChanged() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      if (a.lastModifiedTime().toMillis() != seenModified || a.size() != seenSize) {
        reload();
      }
    } catch (java.io.IOException e) {
      // The file is being replaced (ConfigMaps swap a symlink); the next poll sees it.
    } catch (RuntimeException e) {
      log.warn("price table watch failed: {}", e.toString());
    }
  }

  private void stamp() {
    if (file == null) {
      return;
    }
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      seenModified = a.lastModifiedTime().toMillis();
      seenSize = a.size();
    } catch (java.io.IOException | RuntimeException e) {
      seenModified = -1;
    }
  }

  /** Successful reloads. */
  public long reloadsOk() {
    return reloadsOk.sum();
  }

  /** Refused reloads. */
  public long reloadsFailed() {
    return reloadsFailed.sum();
  }

  /** Why the last reload was refused, or null. */
  public String lastError() {
    return lastError;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
