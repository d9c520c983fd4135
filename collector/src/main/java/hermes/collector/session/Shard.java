package hermes.collector.session;

import hermes.collector.cost.Pricing;
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Role;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * One writer thread and everything it owns: a trace stage and a session stage, fed by one MPSC
 * queue. Producers (I/O threads, other shards) only post messages; the state is touched by this
 * shard's thread alone, so nothing here locks.
 *
 * <p>The queue itself is unbounded; the bound is on spans accepted by the assembler and not yet
 * processed (checked before a request is accepted, released here), so a request is refused whole
 * upstream instead of being dropped here. Messages between shards (turns, roots, calls for a
 * session on another shard) are few and bounded by the spans that caused them.
 *
 * <p>The thread never polls. With nothing queued it parks until the next timer is due (a settle
 * delay, an idle timeout, a coalesced session update: {@link TraceAssembly#nextDeadline}, {@link
 * SessionBook#nextDeadline}), or without a deadline when nothing is pending, and {@link #post}
 * wakes it. The handshake is lock-free: the worker announces that it sleeps (a volatile write) and
 * re-checks the queue before it parks; a producer, after its offer (a volatile read-modify-write of
 * the queue's index), reads the announcement and unparks only a sleeping worker, once per sleep.
 * Either the worker sees the message or the producer sees the sleeper: no wakeup is lost, and under
 * load (worker busy) a post costs one volatile read more than the offer.
 */
final class Shard {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Shard.class);
  private static final Object STOP = new Object();
  private static final long TICK_NANOS = 20_000_000L;

  record Spans(AgentSpan[] spans, int count) {}

  record Turn(TurnRecord turn) {}

  record Root(TraceAssembly.SessionRoot root) {}

  record Loose(
      String key,
      String service,
      long traceHigh,
      long traceLow,
      List<CallRecord> calls,
      boolean late) {}

  record Touch(String key, String service, boolean expectsRoot) {}

  record Retract(String key, long[] spanIds) {}

  record Query<T>(Function<SessionBook, T> read, CompletableFuture<T> result) {}

  private final Pricing pricing;
  private final AssemblyListener listener;
  private final AtomicLong queuedSpans;
  private final MpscUnboundedXaddArrayQueue<Object> queue = new MpscUnboundedXaddArrayQueue<>(1024);
  final TraceAssembly traces;
  final SessionBook sessions;
  private final Thread thread;
  volatile int liveSessions;
  volatile int liveTraces;
  volatile long lateSpans;
  volatile long guardTurnsForgotten;
  volatile long guardToolCallsForgotten;
  volatile long evicted;
  volatile long spansNotKept;
  volatile long pendingEvicted;
  volatile int pendingSpans;
  volatile Map<String, Integer> liveByService = Map.of();
  final java.util.concurrent.atomic.LongAdder errors = new java.util.concurrent.atomic.LongAdder();
  private long lastErrorLogMs;
  private long inlineNextTick;
  // true while the worker is parked or about to park; a post that finds it true unparks it
  private final java.util.concurrent.atomic.AtomicBoolean sleeping =
      new java.util.concurrent.atomic.AtomicBoolean();

  Shard(
      int index,
      ShardRouter router,
      AssemblyConfig config,
      Pricing pricing,
      AssemblyListener listener,
      AtomicLong queuedSpans,
      GuardLimits guards) {
    this.pricing = pricing;
    this.listener = listener;
    this.queuedSpans = queuedSpans;
    TraceAssembly.Outbox out =
        new TraceAssembly.Outbox() {
          @Override
          public void turn(TurnRecord t) {
            Shard.this.listener.turnFinished(t);
            router.forSession(t.sessionKey()).post(new Turn(t));
          }

          @Override
          public void root(TraceAssembly.SessionRoot r) {
            router.forSession(r.key()).post(new Root(r));
          }

          @Override
          public void loose(
              String key,
              String service,
              long traceHigh,
              long traceLow,
              List<CallRecord> calls,
              boolean late) {
            router.forSession(key).post(new Loose(key, service, traceHigh, traceLow, calls, late));
          }

          @Override
          public void touch(String key, String service, boolean expectsRoot) {
            router.forSession(key).post(new Touch(key, service, expectsRoot));
          }

          @Override
          public void provisional(
              String key,
              String service,
              long traceHigh,
              long traceLow,
              long turnId,
              CallRecord call) {
            router
                .forSession(key)
                .post(new SessionBook.Provisional(key, service, traceHigh, traceLow, turnId, call));
          }

          @Override
          public void retract(String key, long[] spanIds) {
            router.forSession(key).post(new Retract(key, spanIds));
          }
        };
    int perShardLive = Math.max(1, config.maxLiveSessions() / config.shards());
    traces =
        new TraceAssembly(
            out,
            config.settle().toNanos(),
            config.idleTimeout().toNanos(),
            config.maxSpansPerSession(),
            Math.max(1, config.maxPendingSpans() / config.shards()));
    sessions =
        new SessionBook(
            listener,
            config.idleTimeout().toNanos(),
            // a session never outlives the idle timeout, with or without a session span
            Math.min(config.rootlessIdleTimeout().toNanos(), config.idleTimeout().toNanos()),
            perShardLive,
            config.maxSpansPerSession(),
            (config.finishedSessions() + config.shards() - 1) / config.shards(),
            guards);
    thread = new Thread(new Worker(this), "assembler-" + index);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues {@code message} for this shard's thread; any thread, never blocks. */
  void post(Object message) {
    queue.offer(message);
    // The plain read first: a busy worker does not sleep, and producers then do not contend.
    if (sleeping.get() && sleeping.compareAndSet(true, false)) {
      LockSupport.unpark(thread);
    }
  }

  /** The shard's thread (tests watch it park). */
  Thread thread() {
    return thread;
  }

  /**
   * When the timers are next due ({@link System#nanoTime()}), {@link Long#MAX_VALUE} when nothing
   * is pending. Never later than the earliest timer; it may be earlier (a tick with nothing to do).
   */
  long nextDeadline() {
    return Math.min(traces.nextDeadline(), sessions.nextDeadline());
  }

  int queued() {
    return queue.size();
  }

  /** Stops after everything posted so far is handled; turns still settling are finalized. */
  void stop() throws InterruptedException {
    post(STOP);
    thread.join(10_000);
  }

  /**
   * Handles every queued message and, when due, the timers, on the calling thread: for an assembler
   * driven without its threads (benchmarks). Returns whether any message was handled.
   */
  boolean drainInline(long now) {
    boolean any = false;
    for (Object m = queue.relaxedPoll(); m != null; m = queue.relaxedPoll()) {
      safely(m, now);
      any = true;
    }
    if (now >= inlineNextTick) {
      traces.tick(now);
      sessions.tick(now);
      publish();
      inlineNextTick = now + TICK_NANOS;
    }
    return any || !queue.isEmpty(); // what the timers produced is handled in the next round
  }

  /** Handles one message; a failure costs that message only, never the shard. */
  private void safely(Object m, long now) {
    try {
      handle(m, now);
    } catch (RuntimeException | AssertionError e) {
      failed(e);
    }
  }

  private void failed(Throwable e) {
    errors.increment();
    long nowMs = System.currentTimeMillis();
    if (nowMs - lastErrorLogMs > 10_000) {
      lastErrorLogMs = nowMs;
      LOG.error(
          "assembler shard {} failed on a message (counted, shard continues)", thread.getName(), e);
    }
  }

  private void handle(Object m, long now) {
    if (m instanceof Spans s) {
      for (int i = 0; i < s.count(); i++) {
        AgentSpan span = s.spans()[i];
        CallRecord call = null;
        if (CallRecord.isCall(span.role())) {
          if (span.provider() == null && span.model() != null && span.role() != Role.TOOL) {
            // No provider attribute: the price table knows whose model it is (gpt-4o -> openai).
            String owner = pricing.providerOf(span.model());
            if (owner != null) {
              span = span.withProvider(owner);
            }
          }
          long cost = span.role() == Role.TOOL ? 0 : pricing.costPico(span);
          listener.callFinished(span, cost);
          call = CallRecord.of(span, cost);
        }
        traces.add(span, call, now);
      }
      queuedSpans.addAndGet(-s.count());
    } else if (m instanceof Turn t) {
      sessions.turn(t.turn(), now);
    } else if (m instanceof Root r) {
      sessions.root(r.root(), now);
    } else if (m instanceof Loose l) {
      sessions.loose(l.key(), l.service(), l.traceHigh(), l.traceLow(), l.calls(), l.late(), now);
    } else if (m instanceof SessionBook.Provisional p) {
      sessions.provisional(p, now);
    } else if (m instanceof Touch t) {
      sessions.touch(t.key(), t.service(), t.expectsRoot(), now);
    } else if (m instanceof Retract r) {
      sessions.retract(r.key(), r.spanIds());
    } else if (m instanceof Query<?> q) {
      answer(q);
    }
  }

  private <T> void answer(Query<T> q) {
    // A failing query fails its caller, never the shard.
    try {
      q.result().complete(q.read().apply(sessions));
    } catch (RuntimeException e) {
      q.result().completeExceptionally(e);
    }
  }

  private void publish() {
    liveSessions = sessions.liveCount();
    liveTraces = traces.liveTraces();
    lateSpans = traces.lateSpans + sessions.lateSpans;
    guardTurnsForgotten = sessions.guardTurnsForgotten();
    guardToolCallsForgotten = sessions.guardToolCallsForgotten();
    evicted = sessions.evicted;
    spansNotKept = traces.spansNotKept + sessions.callsNotKept;
    pendingEvicted = traces.pendingEvicted;
    pendingSpans = traces.pendingSpans();
    liveByService = sessions.liveByService();
  }

  /**
   * The shard's thread: drains the queue, runs the timers when due (and within {@code TICK_NANOS}
   * of any message, which also publishes the gauges), and parks until a post or the next deadline.
   */
  private static final class Worker implements Runnable {
    private final Shard shard;

    Worker(Shard shard) {
      this.shard = shard;
    }

    @Override
    public void run() {
      long nextTick = System.nanoTime();
      while (true) {
        Object m = shard.queue.poll();
        long now = System.nanoTime();
        if (m == STOP) {
          shard.traces.flush(now);
          // what the flush produced for this shard's sessions
          for (Object rest = shard.queue.poll(); rest != null; rest = shard.queue.poll()) {
            shard.handle(rest, now);
          }
          shard.publish();
          return;
        }
        if (m != null) {
          shard.safely(m, now);
          if (nextTick == Long.MAX_VALUE || nextTick - now > TICK_NANOS) {
            nextTick = now + TICK_NANOS; // what the message changed: gauges, maybe a new deadline
          }
        }
        if (nextTick != Long.MAX_VALUE && now - nextTick >= 0) {
          try {
            shard.traces.tick(now);
            shard.sessions.tick(now);
          } catch (RuntimeException | AssertionError e) {
            shard.failed(e);
          }
          shard.publish();
          // At most one tick per TICK_NANOS (timers fire within it of their deadline, as before);
          // none at all while nothing is pending.
          long due = shard.nextDeadline();
          nextTick = due == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(due, now + TICK_NANOS);
        }
        if (m == null) {
          park(nextTick);
        }
      }
    }

    /** Parks until a post wakes it or {@code deadline} ({@link Long#MAX_VALUE}: none) passes. */
    private void park(long deadline) {
      shard.sleeping.set(true);
      // Re-checked after the announcement: a message offered before it is seen here, one offered
      // after it finds the worker sleeping and unparks it.
      if (shard.queue.isEmpty()) {
        if (deadline == Long.MAX_VALUE) {
          LockSupport.park(shard);
        } else {
          long left = deadline - System.nanoTime();
          if (left > 0) {
            LockSupport.parkNanos(shard, left);
          }
        }
      }
      shard.sleeping.set(false);
    }
  }
}
