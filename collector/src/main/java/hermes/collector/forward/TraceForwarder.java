package hermes.collector.forward;

import hermes.collector.ingest.TraceTap;
import hermes.collector.proto.AttributeRedactor;
import hermes.collector.proto.MalformedOtlpException;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards accepted trace requests, as the agent's own protobuf bytes, to an OTLP backend (Jaeger,
 * Tempo, another collector). Requests are batched by concatenation (OTLP's {@code repeated
 * resource_spans} makes that a valid merge) up to {@code maxBatchBytes} or {@code linger}, sent by
 * one exporter thread, and retried with exponential backoff and jitter while the backend says
 * "later" (the OTLP rules, see {@link GrpcSender#outcome}; HTTP 429/502/503/504, honouring {@code
 * Retry-After}). A batch the backend refuses for good is dropped and counted.
 *
 * <p>The queue is bounded in bytes. With {@link OnFull#BACKPRESSURE} (the default) a request that
 * does not fit is refused before it is accepted, so the agent's SDK retries it: nothing is lost end
 * to end. With {@link OnFull#DROP_OLDEST} the oldest queued requests are dropped and counted. On
 * shutdown the queue is drained until the grace period ends; what is left is counted as dropped.
 *
 * <p>Threading: {@link TraceTap} methods are called by I/O threads and never block; everything else
 * runs on the exporter thread.
 */
public final class TraceForwarder extends Collector implements TraceTap, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TraceForwarder.class);

  /** What happens when the queue is full. */
  public enum OnFull {
    /** Refuse the request (503 / UNAVAILABLE); the agent retries. */
    BACKPRESSURE,
    /** Accept it and drop the oldest queued requests, counted. */
    DROP_OLDEST
  }

  /** When the spool forces what it wrote to the device ({@code forward.spool.sync}). */
  public enum SpoolSync {
    /** Left to the OS (a power loss may lose the last seconds; a process crash loses nothing). */
    NONE,
    /** Every {@code forward.spool.sync_interval}, off the request path. */
    INTERVAL,
    /** Before the client hears "accepted". */
    ALWAYS
  }

  /**
   * The forwarder's settings ({@code forward.*}).
   *
   * @param endpoint the backend, e.g. {@code http://jaeger:4317}
   * @param protocol {@code grpc} or {@code http/protobuf}
   * @param headers headers sent with every export (authentication)
   * @param gzip whether to compress exports
   * @param maxBatchBytes largest batch (requests larger than it go alone)
   * @param linger how long a batch waits for more requests
   * @param queueMaxBytes bytes queued at most
   * @param onFull what a full queue does
   * @param timeout per export attempt
   * @param retryInitial first backoff
   * @param retryMax largest backoff
   * @param spoolDir the disk spool's directory, null for an in-memory queue
   * @param spoolMaxBytes the spool's bound
   * @param spoolSegmentBytes the spool's segment size (at most a quarter of {@code spoolMaxBytes}
   *     is used)
   * @param spoolSync when the spool forces its writes to the device
   * @param spoolSyncInterval the period of {@link SpoolSync#INTERVAL}
   * @param redactAttributes span and span-event attribute keys removed before forwarding
   * @param tls the TLS files of an {@code https://} endpoint
   */
  public record Settings(
      URI endpoint,
      String protocol,
      Map<String, String> headers,
      boolean gzip,
      int maxBatchBytes,
      Duration linger,
      long queueMaxBytes,
      OnFull onFull,
      Duration timeout,
      Duration retryInitial,
      Duration retryMax,
      java.nio.file.Path spoolDir,
      long spoolMaxBytes,
      long spoolSegmentBytes,
      SpoolSync spoolSync,
      Duration spoolSyncInterval,
      List<String> redactAttributes,
      TlsFiles tls) {}

  private record Item(byte[] bytes, int spans) {}

  private final Settings settings;
  private final Sender sender;
  private final MpscUnboundedXaddArrayQueue<Item> queue = new MpscUnboundedXaddArrayQueue<>(256);
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong queuedSpans = new AtomicLong();
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder rejectedByBackend = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
  private final Thread thread;
  private final Worker worker;
  private final Spool spool;
  private final AttributeRedactor redactor;
  private volatile long stopDeadline = Long.MAX_VALUE;
  private volatile boolean stopping;
  private volatile long lastLogMs;
  private final LongAdder suppressedLogs = new LongAdder();

  /**
   * A forwarder; {@link #start()} it.
   *
   * @throws java.io.IOException when the spool directory or a TLS file cannot be read
   */
  public TraceForwarder(Settings settings) throws java.io.IOException {
    this(settings, sender(settings));
  }

  TraceForwarder(Settings settings, Sender sender) throws java.io.IOException {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.sender = sender;
    this.spool =
        settings.spoolDir() == null
            ? null
            : new Spool(
                settings.spoolDir(),
                settings.spoolMaxBytes(),
                settings.spoolSegmentBytes(),
                Spool.Sync.valueOf(settings.spoolSync().name()),
                settings.spoolSyncInterval());
    this.redactor = new AttributeRedactor(settings.redactAttributes());
    this.worker = new Worker(this);
    this.thread = new Thread(worker, "forwarder");
    this.thread.setDaemon(true);
    for (String reason : List.of("queue_full", "rejected_by_backend", "shutdown")) {
      dropped.put(reason, new LongAdder());
    }
  }

  private static Sender sender(Settings s) throws java.io.IOException {
    if (s.protocol().equals("http/protobuf")) {
      return new HttpSender(s.endpoint(), s.headers(), s.gzip(), s.timeout(), s.tls());
    }
    return new GrpcSender(s.endpoint(), s.headers(), s.gzip(), s.timeout(), s.tls());
  }

  /** Starts the exporter thread. */
  public void start() {
    thread.start();
  }

  @Override
  public boolean reserve(int bytes) {
    if (spool != null) {
      return true; // the spool is the queue; its bound drops the oldest segment, counted
    }
    if (settings.onFull() == OnFull.DROP_OLDEST) {
      queuedBytes.addAndGet(bytes); // the exporter drops the oldest to get back under the bound
      return true;
    }
    while (true) {
      long now = queuedBytes.get();
      // A request larger than the whole queue still goes through an empty queue.
      if (now > 0 && now + bytes > settings.queueMaxBytes()) {
        return false;
      }
      if (queuedBytes.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  @Override
  public void release(int bytes) {
    if (spool == null) {
      queuedBytes.addAndGet(-bytes);
    }
  }

  @Override
  public Taken accept(byte[] original, int spans, BooleanSupplier commit) {
    byte[] request;
    try {
      request = redactor.redact(original);
    } catch (MalformedOtlpException e) {
      // Unreachable for a request the reader accepted; never forward what could not be redacted.
      release(original.length);
      if (!commit.getAsBoolean()) {
        return Taken.PIPELINE_FULL;
      }
      count(dropped, "redaction_error", spans);
      return Taken.ACCEPTED;
    }
    if (spool != null) {
      // Whole on disk before the client hears "accepted": a kill -9 loses nothing acknowledged,
      // and a write that fails (disk full) is refused, so the client retries it.
      try {
        return spool.append(request, spans, commit) ? Taken.ACCEPTED : Taken.PIPELINE_FULL;
      } catch (java.io.IOException e) {
        logRateLimited(
            "forwarding: cannot write the spool ({}); {} spans refused with 503/UNAVAILABLE",
            e.toString(),
            spans);
        return Taken.FAILED;
      }
    }
    if (!commit.getAsBoolean()) {
      release(original.length);
      return Taken.PIPELINE_FULL;
    }
    if (request.length != original.length) {
      queuedBytes.addAndGet(request.length - original.length); // reserved before redaction
    }
    queuedSpans.addAndGet(spans);
    queue.offer(new Item(request, spans));
    return Taken.ACCEPTED;
  }

  private void count(Map<String, LongAdder> m, String reason, long n) {
    m.computeIfAbsent(reason, k -> new LongAdder()).add(n);
  }

  /**
   * Logs at most one line every 10 s (a backend down for an hour is one line per 10 s, not one per
   * retry); the lines left out meanwhile are counted in the next one. Called from I/O threads and
   * the exporter thread: a racy check is fine, the bound is approximate.
   */
  private void logRateLimited(String message, Object... args) {
    long now = System.currentTimeMillis();
    if (now - lastLogMs > 10_000) {
      lastLogMs = now;
      long more = suppressedLogs.sumThenReset();
      log.warn(more == 0 ? message : message + " [{} similar lines left out]", withArg(args, more));
    } else {
      suppressedLogs.increment();
    }
  }

  private static Object[] withArg(Object[] args, long more) {
    if (more == 0) {
      return args;
    }
    Object[] a = java.util.Arrays.copyOf(args, args.length + 1);
    a[args.length] = more;
    return a;
  }

  /**
   * Sends one batch until delivered, refused for good, or shutdown ends; accounts for it. Returns
   * false only when shutdown ended it undelivered (a spooled batch then stays on disk).
   */
  private boolean deliver(byte[] batch, int spans) {
    long backoff = settings.retryInitial().toMillis();
    while (true) {
      Duration timeout = settings.timeout();
      if (stopping) { // the grace period bounds every attempt: shutdown must not wait for one
        long left = stopDeadline - System.nanoTime();
        if (left <= 0) {
          if (spool == null) {
            count(dropped, "shutdown", spans);
          }
          return false;
        }
        timeout = left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
      }
      Outcome o = sender.send(batch, timeout);
      if (o.kind() == Outcome.Kind.DELIVERED) {
        forwarded.add(spans - o.rejectedSpans());
        if (o.rejectedSpans() > 0) {
          rejectedByBackend.add(o.rejectedSpans());
          count(dropped, "rejected_by_backend", o.rejectedSpans());
        }
        return true;
      }
      count(failures, o.reason(), 1);
      if (o.kind() == Outcome.Kind.FATAL) {
        count(dropped, "fatal_" + o.reason(), spans);
        logRateLimited(
            "forwarding: the backend refused a batch of {} spans for good ({}); dropped",
            spans,
            o.detail());
        return true;
      }
      long wait = o.retryAfterMillis() >= 0 ? o.retryAfterMillis() : jitter(backoff);
      if (stopping && System.nanoTime() + wait * 1_000_000L > stopDeadline) {
        if (spool == null) {
          count(dropped, "shutdown", spans);
        }
        return false;
      }
      retries.increment();
      logRateLimited(
          "forwarding: export of {} spans failed ({}); retrying in {} ms", spans, o.detail(), wait);
      LockSupport.parkNanos(wait * 1_000_000L);
      backoff = Math.min(settings.retryMax().toMillis(), backoff * 2);
    }
  }

  private static long jitter(long backoff) {
    // Full jitter in [backoff/2, backoff*3/2): exporters restarting together do not stampede.
    return backoff / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, backoff));
  }

  /** Drains the queue within {@code grace}; what is left is counted as dropped. */
  public void shutdown(Duration grace) {
    long before = droppedAtShutdown();
    stopDeadline = System.nanoTime() + grace.toNanos();
    stopping = true;
    try {
      // A hard bound: an attempt is cut to the grace period, but a backend that accepted the
      // connection and never answers may still hold the thread in a read; at the deadline the
      // sender is closed and the thread interrupted, which ends any attempt at once.
      long ms = Math.max(1, grace.toMillis());
      thread.join(ms);
      if (thread.isAlive()) {
        sender.close();
        thread.interrupt();
        thread.join(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) { // not expected; the single-consumer queue must not be polled then
      count(dropped, "shutdown", queuedSpans.get());
    } else {
      for (Item i = carryAndQueue(); i != null; i = queue.relaxedPoll()) {
        count(dropped, "shutdown", i.spans());
      }
    }
    sender.close();
    long lost = droppedAtShutdown() - before;
    if (lost > 0) {
      log.warn(
          "shutdown: {} spans could not be forwarded in the {} ms left of the grace period;"
              + " dropped (hermes_collector_dropped_spans_total{reason=\"shutdown\"})",
          lost,
          grace.toMillis());
    }
    if (spool != null && spool.bytes() > 0) { // not read through: that could outlast the grace
      log.info("shutdown: {} bytes stay in the spool for the next start", spool.bytes());
    }
    if (spool != null) {
      try {
        spool.close();
      } catch (java.io.IOException e) {
        log.warn("closing the spool: {}", e.toString());
      }
    }
  }

  private long droppedAtShutdown() {
    LongAdder a = dropped.get("shutdown");
    return a == null ? 0 : a.sum();
  }

  /** The item the exporter held back for the next batch, if any, else the queue's head. */
  private Item carryAndQueue() {
    Item c = worker.carry;
    worker.carry = null;
    return c != null ? c : queue.relaxedPoll();
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_bytes",
            "Bytes queued for forwarding.",
            queuedBytes.get()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_max_bytes",
            "The forward queue's bound (forward.queue_max_bytes).",
            settings.queueMaxBytes()));
    out.add(
        new GaugeMetricFamily(
            "hermes_collector_forward_queue_spans",
            "Spans queued for forwarding.",
            queuedSpans.get()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_forwarded_spans_total",
            "Spans the backend accepted.",
            forwarded.sum()));
    out.add(
        new CounterMetricFamily(
            "hermes_collector_forward_retries_total",
            "Export attempts retried after a retryable failure.",
            retries.sum()));
    CounterMetricFamily f =
        new CounterMetricFamily(
            "hermes_collector_forward_failures_total",
            "Failed export attempts, by reason.",
            List.of("reason"));
    failures.forEach((k, v) -> f.addMetric(List.of(k), v.sum()));
    out.add(f);
    CounterMetricFamily d =
        new CounterMetricFamily(
            "hermes_collector_dropped_spans_total",
            "Spans accepted but not delivered, by reason.",
            List.of("reason"));
    dropped.forEach((k, v) -> d.addMetric(List.of(k), v.sum()));
    if (spool != null) {
      d.addMetric(List.of("spool_full"), spool.droppedSpans);
      out.add(
          new GaugeMetricFamily(
              "hermes_collector_spool_bytes",
              "Bytes in the forwarding spool on disk.",
              spool.bytes()));
      out.add(
          new GaugeMetricFamily(
              "hermes_collector_spool_max_bytes",
              "The spool's bound (forward.spool.max_bytes).",
              spool.maxBytes()));
      out.add(
          new CounterMetricFamily(
              "hermes_collector_spool_torn_records_total",
              "Spool records found incomplete or corrupt (a crash mid-write) and skipped.",
              spool.tornRecords));
    }
    out.add(d);
    return out;
  }

  /** The exporter thread: batch, deliver, repeat; drains on shutdown. */
  private static final class Worker implements Runnable {
    private final TraceForwarder f;
    private Item carry;

    Worker(TraceForwarder f) {
      this.f = f;
    }

    @Override
    public void run() {
      if (f.spool != null) {
        runFromSpool();
        return;
      }
      int idle = 0;
      while (true) {
        if (f.settings.onFull() == OnFull.DROP_OLDEST) {
          dropOldest();
        }
        Item first = carry != null ? carry : f.queue.relaxedPoll();
        carry = null;
        if (first == null) {
          if (f.stopping) {
            return;
          }
          LockSupport.parkNanos(++idle < 100 ? 50_000 : 1_000_000);
          continue;
        }
        idle = 0;
        ByteArrayOutputStream batch =
            new ByteArrayOutputStream(Math.min(f.settings.maxBatchBytes(), 64 * 1024));
        batch.writeBytes(first.bytes());
        int spans = first.spans();
        long lingerEnd = System.nanoTime() + f.settings.linger().toNanos();
        while (batch.size() < f.settings.maxBatchBytes()) {
          Item next = f.queue.relaxedPoll();
          if (next == null) {
            if (f.stopping || System.nanoTime() >= lingerEnd) {
              break;
            }
            LockSupport.parkNanos(200_000);
            continue;
          }
          if (batch.size() + next.bytes().length > f.settings.maxBatchBytes()) {
            carry = next;
            break;
          }
          batch.writeBytes(next.bytes());
          spans += next.spans();
        }
        int bytes = batch.size();
        f.deliver(batch.toByteArray(), spans);
        f.queuedBytes.addAndGet(-bytes);
        f.queuedSpans.addAndGet(-spans);
      }
    }

    /** Spool mode: batches are read back from disk; the cursor moves only past delivered ones. */
    private void runFromSpool() {
      int idle = 0;
      while (!f.stopping) {
        List<Spool.Record> records;
        try {
          records = f.spool.next(f.settings.maxBatchBytes());
        } catch (java.io.IOException e) {
          f.logRateLimited("forwarding: cannot read the spool ({})", e.toString());
          LockSupport.parkNanos(100_000_000L);
          continue;
        }
        if (records.isEmpty()) {
          LockSupport.parkNanos(++idle < 100 ? 200_000 : 5_000_000);
          continue;
        }
        idle = 0;
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        int spans = 0;
        for (Spool.Record r : records) {
          batch.writeBytes(r.bytes());
          spans += r.spans();
        }
        if (!f.deliver(batch.toByteArray(), spans)) {
          return; // shutdown: the batch stays in the spool for the next start
        }
        try {
          f.spool.commit(records.get(records.size() - 1));
        } catch (java.io.IOException e) {
          f.logRateLimited("forwarding: cannot move the spool cursor ({})", e.toString());
        }
      }
    }

    private void dropOldest() {
      while (f.queuedBytes.get() > f.settings.queueMaxBytes()) {
        Item oldest = carry != null ? carry : f.queue.relaxedPoll();
        carry = null;
        if (oldest == null) {
          return;
        }
        f.queuedBytes.addAndGet(-oldest.bytes().length);
        f.queuedSpans.addAndGet(-oldest.spans());
        f.count(f.dropped, "queue_full", oldest.spans());
      }
    }
  }
}
