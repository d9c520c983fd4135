package hermes.collector.forward;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.CollectorConfig.Forward.OnFull;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.logging.RateLimitedLog;
import hermes.collector.proto.AttributeRedactor;
import hermes.collector.proto.MalformedOtlpException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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
 * <p>The exporter thread never polls: with nothing to send it parks until a producer signals it
 * ({@link Wakeup}), and it waits out linger and retry backoff as timed parks to a deadline, so an
 * idle forwarder costs no CPU.
 *
 * <p>As a {@link TraceConsumer}: without a spool, {@link #reserve} takes the request's bytes from
 * the queue's bound (refusing {@code forward_full}) and the commit runs the other consumers, then
 * queues the request, or gives the room back if they refused. With a spool the spool is the queue
 * (it never refuses at reserve) and the forwarder {@link #commitsLater() commits later}: the
 * request is written, the other consumers run on the writer thread, and the record is cut off again
 * if they refuse; the commit completes when that is done ({@code spool_error} if the write failed).
 *
 * <p>Threading: {@link TraceConsumer} methods are called by I/O threads and never block: with a
 * spool, the append is handed to the {@code spool-writer} thread and the returned future completes
 * there once the request is on disk (the client is answered then); signalling the exporter or the
 * writer is a volatile read, and an unpark only when it waits; everything else runs on the exporter
 * thread. Telemetry goes to a {@link ForwarderInstrumentation}.
 */
public final class TraceForwarder implements TraceConsumer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TraceForwarder.class);

  private record Item(byte[] bytes, int spans) {}

  /**
   * A request waiting for the spool writer; {@code done} completes when it is on disk or not.
   * Written by the writer thread only.
   */
  private static final class Append implements BooleanSupplier {
    final byte[] request;
    final int spans;
    final Next next;
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    Outcome nextSaid; // what the consumers after the spool said, if they ran

    Append(byte[] request, int spans, Next next) {
      this.request = request;
      this.spans = spans;
      this.next = next;
    }

    /** Runs the consumers after the spool (the spool's commit step, under its write lock). */
    @Override
    public boolean getAsBoolean() {
      nextSaid = next.commit();
      return nextSaid == Outcome.ACCEPTED;
    }
  }

  private final CollectorConfig.Forward config;
  private final ForwarderInstrumentation metrics;
  private final Sender sender;
  private final MpscUnboundedXaddArrayQueue<Item> queue = new MpscUnboundedXaddArrayQueue<>(256);
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong queuedSpans = new AtomicLong();
  private final LongAdder droppedAtShutdown = new LongAdder();
  private final AtomicLong appended = new AtomicLong(); // spool appends: what the exporter awaits
  private final Thread thread;
  private final Worker worker;
  private final Wakeup wakeup;
  private final Spool spool;
  // The spool's writer: requests wait here for their disk write (unbounded: each is a request in
  // flight, bounded by the receivers' in-flight limits, held until its client is answered).
  private final MpscUnboundedXaddArrayQueue<Append> appends = new MpscUnboundedXaddArrayQueue<>(64);
  private final Thread writer;
  private final Wakeup writerWakeup;
  private volatile boolean writerStopping;
  private final AttributeRedactor redactor;
  private volatile long stopDeadline = Long.MAX_VALUE;
  private volatile boolean stopping;
  private final RateLimitedLog logGate = new RateLimitedLog(log, 10_000_000_000L);

  /**
   * A forwarder for {@code config} ({@code forward.*}; its endpoint must be set); {@link #start()}
   * it.
   *
   * @throws java.io.IOException when the spool directory or a TLS file cannot be read
   */
  public TraceForwarder(CollectorConfig.Forward config, ForwarderInstrumentation metrics)
      throws java.io.IOException {
    this(config, metrics, sender(config));
  }

  TraceForwarder(CollectorConfig.Forward config, ForwarderInstrumentation metrics, Sender sender)
      throws java.io.IOException {
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.sender = sender;
    this.spool =
        config.spoolDir() == null
            ? null
            : new Spool(
                config.spoolDir(),
                config.spoolMaxBytes(),
                config.spoolSegmentBytes(),
                config.spoolSync(),
                config.spoolSyncInterval());
    this.redactor = new AttributeRedactor(config.redactAttributes());
    this.worker = new Worker(this);
    this.thread = new Thread(worker, "forwarder");
    this.thread.setDaemon(true);
    this.wakeup = new Wakeup(thread);
    if (spool != null) {
      this.writer = new Thread(new SpoolWriter(this), "spool-writer");
      this.writer.setDaemon(true);
      this.writerWakeup = new Wakeup(writer);
    } else {
      this.writer = null;
      this.writerWakeup = null;
    }
    metrics.queue(config.queueMaxBytes(), queuedBytes::get, queuedSpans::get);
    if (spool != null) {
      Spool sp = spool;
      metrics.spool(sp.maxBytes(), sp::bytes, () -> sp.droppedSpans, () -> sp.tornRecords);
    }
  }

  private static Sender sender(CollectorConfig.Forward c) throws java.io.IOException {
    TlsFiles tls = new TlsFiles(c.tlsCaFile(), c.tlsCertFile(), c.tlsKeyFile());
    return switch (c.protocol()) {
      case HTTP_PROTOBUF -> new HttpSender(c.endpoint(), c.headers(), c.gzip(), c.timeout(), tls);
      case GRPC -> new GrpcSender(c.endpoint(), c.headers(), c.gzip(), c.timeout(), tls);
    };
  }

  /** Starts the exporter thread. */
  public void start() {
    thread.start();
    if (writer != null) {
      writer.start();
    }
  }

  @Override
  public boolean commitsLater() {
    return spool != null;
  }

  @Override
  public Reservation reserve(RequestShape request) {
    if (spool != null) {
      return spooled; // the spool is the queue; its bound drops the oldest segment, counted
    }
    int bytes = request.bytes();
    if (config.onFull() == OnFull.DROP_OLDEST) {
      queuedBytes.addAndGet(bytes); // the exporter drops the oldest to get back under the bound
      return new Queued(bytes);
    }
    while (true) {
      long now = queuedBytes.get();
      // A request larger than the whole queue still goes through an empty queue.
      if (now > 0 && now + bytes > config.queueMaxBytes()) {
        return Reservation.refused(Outcome.FORWARD_FULL);
      }
      if (queuedBytes.compareAndSet(now, now + bytes)) {
        return new Queued(bytes);
      }
    }
  }

  /** A request's room in the in-memory queue: {@code bytes} taken from its bound. */
  private final class Queued implements Reservation {
    private final int bytes;

    Queued(int bytes) {
      this.bytes = bytes;
    }

    @Override
    public CompletableFuture<Outcome> commit(byte[] original, int spans, Next next) {
      byte[] request;
      try {
        request = redactor.redact(original);
      } catch (MalformedOtlpException e) {
        // Unreachable for a request the reader accepted; never forward what could not be redacted.
        abort();
        Outcome o = next.commit();
        if (o == Outcome.ACCEPTED) {
          metrics.dropped("redaction_error", spans);
        }
        return o.now();
      }
      Outcome o;
      try {
        o = next.commit(); // the others first: a queued request cannot be taken back
      } catch (RuntimeException | Error e) {
        abort(); // a consumer after this one threw (a bug): the room must come back regardless
        throw e;
      }
      if (o != Outcome.ACCEPTED) {
        abort();
        return o.now();
      }
      if (request.length != bytes) {
        queuedBytes.addAndGet(request.length - bytes); // reserved before redaction
      }
      queuedSpans.addAndGet(spans);
      queue.offer(new Item(request, spans));
      wakeup.signal();
      return Outcome.ACCEPTED.now();
    }

    @Override
    public void abort() {
      queuedBytes.addAndGet(-bytes);
    }
  }

  /** A request bound for the spool: nothing is reserved, so one stateless object serves all. */
  private final Reservation spooled =
      new Reservation() {
        @Override
        public CompletableFuture<Outcome> commit(byte[] original, int spans, Next next) {
          byte[] request;
          try {
            request = redactor.redact(original);
          } catch (MalformedOtlpException e) {
            Outcome o = next.commit(); // as above: kept by the others, not forwarded
            if (o == Outcome.ACCEPTED) {
              metrics.dropped("redaction_error", spans);
            }
            return o.now();
          }
          // Whole on disk before the client hears "accepted", and the disk is the spool writer's
          // business, never the I/O thread's: the future completes when the write is done.
          Append a = new Append(request, spans, next);
          appends.offer(a);
          writerWakeup.signal();
          if (writerStopping && !writer.isAlive()) {
            refuseLeftovers(); // shut down meanwhile: refused (503), the client retries elsewhere
          }
          return a.done;
        }

        @Override
        public void abort() {}
      };

  /**
   * Writes one request to the spool (spool writer thread), running the consumers after it once it
   * is written and cutting it off if they refuse: a kill -9 loses nothing acknowledged, and a write
   * that fails (disk full) is refused, so the client retries it.
   */
  private Outcome append(Append a) {
    try {
      if (!spool.append(a.request, a.spans, a)) {
        return a.nextSaid;
      }
      appended.incrementAndGet(); // after the append published the record
      wakeup.signal();
      return Outcome.ACCEPTED;
    } catch (java.io.IOException | RuntimeException e) {
      logRateLimited(
          "forwarding: cannot write the spool ({}); {} spans refused with 503/UNAVAILABLE",
          e.toString(),
          a.spans);
      return Outcome.SPOOL_ERROR;
    }
  }

  /**
   * Logs at most one line every 10 s (a backend down for an hour is one line per 10 s, not one per
   * retry); the lines left out meanwhile are counted in the next one. Called from I/O threads and
   * the exporter thread ({@link RateLimitedLog} is lock-free).
   */
  private void logRateLimited(String message, Object... args) {
    long more = logGate.admit();
    if (more >= 0) {
      log.warn(more == 0 ? message : message + " [{} similar lines left out]", withArg(args, more));
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
    long backoff = config.retryInitial().toMillis();
    while (true) {
      Duration timeout = config.timeout();
      if (stopping) { // the grace period bounds every attempt: shutdown must not wait for one
        long left = stopDeadline - System.nanoTime();
        if (left <= 0) {
          if (spool == null) {
            droppedAtShutdown(spans);
          }
          return false;
        }
        timeout = left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
      }
      // The sender's outcome; the inherited TraceConsumer.Outcome shadows its simple name here.
      hermes.collector.forward.Outcome o = sender.send(batch, timeout);
      if (o.kind() == hermes.collector.forward.Outcome.Kind.DELIVERED) {
        metrics.forwarded(spans - o.rejectedSpans());
        if (o.rejectedSpans() > 0) {
          metrics.dropped("rejected_by_backend", o.rejectedSpans());
        }
        return true;
      }
      metrics.failed(o.reason());
      if (o.kind() == hermes.collector.forward.Outcome.Kind.FATAL) {
        metrics.dropped("fatal_" + o.reason(), spans);
        logRateLimited(
            "forwarding: the backend refused a batch of {} spans for good ({}); dropped",
            spans,
            o.detail());
        return true;
      }
      long wait = o.retryAfterMillis() >= 0 ? o.retryAfterMillis() : jitter(backoff);
      long retryAt = System.nanoTime() + wait * 1_000_000L;
      if (stopping && retryAt - stopDeadline > 0) {
        if (spool == null) {
          droppedAtShutdown(spans);
        }
        return false;
      }
      metrics.retried();
      logRateLimited(
          "forwarding: export of {} spans failed ({}); retrying in {} ms", spans, o.detail(), wait);
      // A timed park to the retry; a shutdown whose deadline comes first ends it early.
      for (long left = wait * 1_000_000L; left > 0; left = retryAt - System.nanoTime()) {
        if (stopping && retryAt - stopDeadline > 0) {
          if (spool == null) {
            droppedAtShutdown(spans);
          }
          return false;
        }
        LockSupport.parkNanos(this, left);
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt(); // shutdown's last resort: give up the wait
          break;
        }
      }
      backoff = Math.min(config.retryMax().toMillis(), backoff * 2);
    }
  }

  private static long jitter(long backoff) {
    // Full jitter in [backoff/2, backoff*3/2): exporters restarting together do not stampede.
    return backoff / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, backoff));
  }

  private void droppedAtShutdown(long spans) {
    droppedAtShutdown.add(spans);
    metrics.dropped("shutdown", spans);
  }

  /** Drains the queue within {@code grace}; what is left is counted as dropped. */
  public void shutdown(Duration grace) {
    stopWriter(grace);
    long before = droppedAtShutdown.sum();
    stopDeadline = System.nanoTime() + grace.toNanos();
    stopping = true;
    LockSupport.unpark(thread); // an idle exporter parks with no deadline
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
      droppedAtShutdown(queuedSpans.get());
    } else {
      for (Item i = carryAndQueue(); i != null; i = queue.relaxedPoll()) {
        droppedAtShutdown(i.spans());
      }
    }
    sender.close();
    long lost = droppedAtShutdown.sum() - before;
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

  /**
   * Lets the spool writer finish the appends queued so far (their clients wait for them), within
   * {@code grace}; an append it could not reach is refused.
   */
  private void stopWriter(Duration grace) {
    if (writer == null) {
      return;
    }
    writerStopping = true;
    writerWakeup.signal();
    if (writer.isAlive()) {
      try {
        writer.join(Math.max(1, grace.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!writer.isAlive()) { // a stalled disk keeps it: then the queue is still its alone
      refuseLeftovers();
    }
  }

  /** Refuses the appends the ended writer did not take; one drainer at a time (single consumer). */
  private void refuseLeftovers() {
    synchronized (appends) {
      for (Append a = appends.poll(); a != null; a = appends.poll()) {
        a.done.complete(Outcome.SPOOL_ERROR);
      }
    }
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

  /** The exporter thread (tests: its state shows whether it waits). */
  Thread exporterThread() {
    return thread;
  }

  /** Bytes reserved in or queued for the in-memory queue (tests). */
  long queuedBytes() {
    return queuedBytes.get();
  }

  /** Times the exporter woke from an idle wait (tests: an idle exporter does not loop). */
  long idleWakeups() {
    return worker.idleWakeups;
  }

  /**
   * The spool writer: appends requests in arrival order and completes their futures; parks with no
   * deadline when none waits. Ends, after the queue is drained, when the forwarder shuts down.
   */
  private static final class SpoolWriter implements Runnable {
    private final TraceForwarder f;

    SpoolWriter(TraceForwarder f) {
      this.f = f;
    }

    @Override
    public void run() {
      while (true) {
        Append a = f.appends.poll();
        if (a != null) {
          a.done.complete(f.append(a));
        } else if (f.writerStopping) {
          return;
        } else {
          f.writerWakeup.await(() -> !f.appends.isEmpty() || f.writerStopping, Long.MAX_VALUE);
        }
      }
    }
  }

  /** The exporter thread: batch, deliver, repeat; drains on shutdown. */
  private static final class Worker implements Runnable {
    private final TraceForwarder f;
    private Item carry;
    private final BooleanSupplier queued; // what an in-memory exporter waits for
    volatile long idleWakeups; // written by the exporter thread only

    Worker(TraceForwarder f) {
      this.f = f;
      this.queued = () -> !f.queue.isEmpty() || f.stopping;
    }

    @Override
    public void run() {
      if (f.spool != null) {
        runFromSpool();
        return;
      }
      while (true) {
        if (f.config.onFull() == OnFull.DROP_OLDEST) {
          dropOldest();
        }
        Item first = carry != null ? carry : f.queue.relaxedPoll();
        carry = null;
        if (first == null) {
          if (f.stopping) {
            return;
          }
          // Nothing queued: park until a producer signals (or shutdown unparks), no deadline.
          if (f.wakeup.await(queued, Long.MAX_VALUE)) {
            idleWakeups++;
          }
          continue;
        }
        ByteArrayOutputStream batch =
            new ByteArrayOutputStream(Math.min(f.config.maxBatchBytes(), 64 * 1024));
        batch.writeBytes(first.bytes());
        int spans = first.spans();
        long lingerEnd = System.nanoTime() + f.config.linger().toNanos();
        while (batch.size() < f.config.maxBatchBytes()) {
          Item next = f.queue.relaxedPoll();
          if (next == null) {
            if (f.stopping || System.nanoTime() - lingerEnd >= 0) {
              break;
            }
            // Linger: park until the next request arrives or the linger ends.
            f.wakeup.await(queued, lingerEnd);
            continue;
          }
          if (batch.size() + next.bytes().length > f.config.maxBatchBytes()) {
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
      while (!f.stopping) {
        long seen = f.appended.get(); // before reading: an append after this wakes the wait below
        List<Spool.Record> records;
        try {
          records = f.spool.next(f.config.maxBatchBytes());
        } catch (java.io.IOException e) {
          f.logRateLimited("forwarding: cannot read the spool ({})", e.toString());
          f.wakeup.await(() -> f.stopping, System.nanoTime() + 100_000_000L);
          continue;
        }
        if (records.isEmpty()) {
          // Read up to the end: park until an append signals (or shutdown unparks), no deadline.
          if (f.wakeup.await(() -> f.appended.get() != seen || f.stopping, Long.MAX_VALUE)) {
            idleWakeups++;
          }
          continue;
        }
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
      while (f.queuedBytes.get() > f.config.queueMaxBytes()) {
        Item oldest = carry != null ? carry : f.queue.relaxedPoll();
        carry = null;
        if (oldest == null) {
          return;
        }
        f.queuedBytes.addAndGet(-oldest.bytes().length);
        f.queuedSpans.addAndGet(-oldest.spans());
        f.metrics.dropped("queue_full", oldest.spans());
      }
    }
  }
}
