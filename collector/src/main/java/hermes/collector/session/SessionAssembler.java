package hermes.collector.session;

import hermes.collector.cost.Pricing;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;
import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Rebuilds sessions from spans: the {@link TraceConsumer} the receivers feed. Each request's spans
 * are normalized on the I/O thread that decoded them and handed, whole, to the shards that own
 * their traces; shards assemble trees, finalize turns and sessions, and tell the {@link
 * AssemblyListener}.
 *
 * <p>Threading: {@link #reserve} and the batches it returns are used by I/O threads (one batch per
 * thread, reused; {@link TraceConsumer.Reservation#detach detached} when the commit runs on the
 * spool's thread); queries may come from any thread and are answered by the shards. A request is
 * accepted only when the spans in flight stay under {@code maxQueuedSpans}; otherwise it is refused
 * whole (the client sees 503/UNAVAILABLE and retries), never dropped: at reserve, undecoded, when
 * the bound is already reached (so a request with no valid span is refused then too), else at
 * commit, by its exact count.
 *
 * <pre>{@code
 * SessionAssembler a = new SessionAssembler(config, pricing, normalizers, listener);
 * a.start();
 * Collector.start(collectorConfig, a); // spans flow in
 * a.sessions(true, 50);               // live sessions, newest first
 * }</pre>
 */
public final class SessionAssembler implements TraceConsumer, AutoCloseable {
  private final AssemblyConfig config;
  private final Shard[] shards;
  private final ShardRouter router;
  private final AtomicLong queuedSpans = new AtomicLong();
  private final ThreadLocal<Batch> batches;
  private volatile boolean started;

  /**
   * An assembler; call {@link #start()} before feeding it.
   *
   * @param normalizers makes one normalizer per I/O thread
   */
  public SessionAssembler(
      AssemblyConfig config,
      Pricing pricing,
      Supplier<Normalizer> normalizers,
      AssemblyListener listener) {
    this(config, GuardLimits.OFF, pricing, normalizers, listener);
  }

  /**
   * An assembler that also evaluates the runaway guards on its live sessions; call {@link #start()}
   * before feeding it.
   *
   * @param guards the guards' limits ({@link GuardLimits#OFF}: none)
   * @param normalizers makes one normalizer per I/O thread
   */
  public SessionAssembler(
      AssemblyConfig config,
      GuardLimits guards,
      Pricing pricing,
      Supplier<Normalizer> normalizers,
      AssemblyListener listener) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(guards, "guards");
    Objects.requireNonNull(pricing, "pricing");
    Objects.requireNonNull(normalizers, "normalizers");
    Objects.requireNonNull(listener, "listener");
    shards = new Shard[config.shards()];
    router = new ShardRouter(shards.length);
    for (int i = 0; i < shards.length; i++) {
      shards[i] = new Shard(i, router, config, pricing, listener, queuedSpans, guards);
      router.set(i, shards[i]);
    }
    batches = ThreadLocal.withInitial(() -> new Batch(normalizers.get()));
  }

  /**
   * Runs the shards on the calling thread until every message posted so far (and every message that
   * caused) is handled, then their timers: the whole assembly on one thread, for benchmarks that
   * measure it per core. Only for an assembler that was never {@link #start() started}.
   */
  public void drainInline() {
    if (started) {
      throw new IllegalStateException(
          "the shards run on their own threads: drainInline is for an"
              + " assembler that was never started");
    }
    drainInline(System.nanoTime());
  }

  /**
   * As {@link #drainInline()} at a given time of the shards' clock: for tests that drive settling
   * and timeouts without waiting.
   */
  void drainInline(long now) {
    if (started) {
      throw new IllegalStateException("the shards run on their own threads");
    }
    boolean any = true;
    while (any) {
      any = false;
      for (Shard s : shards) {
        any |= s.drainInline(now);
      }
      for (Shard s : shards) {
        any |= s.queued() > 0; // posted by another shard's timers after it was drained
      }
    }
  }

  /** Starts the shard threads. */
  public void start() {
    started = true;
    for (Shard s : shards) {
      s.start();
    }
  }

  /** Shard {@code i}'s thread (tests watch it park). */
  Thread shardThread(int i) {
    return shards[i].thread();
  }

  Shard shardFor(String sessionKey) {
    return router.forSession(sessionKey);
  }

  private int shardIndex(AgentSpan s) {
    long h = (s.traceIdHigh() ^ s.traceIdLow()) * 0x9E3779B97F4A7C15L;
    return Math.floorMod((int) (h ^ (h >>> 32)), shards.length);
  }

  @Override
  public Reservation reserve(RequestShape request) {
    if (queuedSpans.get() >= config.maxQueuedSpans()) {
      return Reservation.refused(Outcome.PIPELINE_FULL); // any span would overflow: do not decode
    }
    Batch b = batches.get();
    b.reset();
    return b;
  }

  /** Spans accepted and not yet assembled. */
  public long queuedSpans() {
    return queuedSpans.get();
  }

  /** Live sessions over all shards (as of their last tick). */
  public long liveSessions() {
    return sum(s -> s.liveSessions);
  }

  private long sum(java.util.function.ToLongFunction<Shard> f) {
    long n = 0;
    for (Shard s : shards) {
      n += f.applyAsLong(s);
    }
    return n;
  }

  /** Live sessions by the service they opened with, over all shards (as of their last tick). */
  public Map<String, Long> liveSessionsByService() {
    Map<String, Long> out = new java.util.HashMap<>();
    for (Shard s : shards) {
      s.liveByService.forEach((k, v) -> out.merge(k, (long) v, Long::sum));
    }
    return out;
  }

  /** Live traces over all shards. */
  public long liveTraces() {
    return sum(s -> s.liveTraces);
  }

  /** Spans that arrived after their turn or session was finalized. */
  public long lateSpans() {
    return sum(s -> s.lateSpans);
  }

  /** Running turns whose guard state a newer one took over ({@code guards.max_running_turns}). */
  public long guardTurnsForgotten() {
    return sum(s -> s.guardTurnsForgotten);
  }

  /** Tool calls the runaway guards forgot ({@code guards.max_tool_calls_per_turn}). */
  public long guardToolCallsForgotten() {
    return sum(s -> s.guardToolCallsForgotten);
  }

  /** Sessions evicted to keep the live-session bound. */
  public long evictedSessions() {
    return sum(s -> s.evicted);
  }

  /** Messages a shard failed to handle (each logged at most every 10 s; the shard goes on). */
  public long errors() {
    return sum(s -> s.errors.sum());
  }

  /** Traces settled early to keep the pending bound ({@code sessions.max_pending_spans}). */
  public long pendingEvicted() {
    return sum(s -> s.pendingEvicted);
  }

  /** Spans held waiting for their parent, turn or session, over all shards. */
  public long pendingSpans() {
    return sum(s -> s.pendingSpans);
  }

  /** Spans counted but not kept in a tree (the per-session bound). */
  public long spansNotKept() {
    return sum(s -> s.spansNotKept);
  }

  /** Sessions, live or finished, newest first (by end time), at most {@code limit}. */
  public List<SessionRecord> sessions(boolean live, int limit) throws TimeoutException {
    return await(sessionsAsync(live, limit));
  }

  /** One session, live or recently finished, or null. */
  public SessionRecord session(String key) throws TimeoutException {
    return await(sessionAsync(key));
  }

  /** As {@link #sessions}, answered by the shards without blocking the caller: for I/O threads. */
  public CompletableFuture<List<SessionRecord>> sessionsAsync(boolean live, int limit) {
    List<CompletableFuture<List<SessionRecord>>> parts = new ArrayList<>();
    for (Shard s : shards) {
      CompletableFuture<List<SessionRecord>> f = new CompletableFuture<>();
      s.post(new Shard.Query<>(b -> live ? b.live(limit) : b.finished(limit), f));
      parts.add(f);
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<SessionRecord> all = new ArrayList<>();
              for (CompletableFuture<List<SessionRecord>> f : parts) {
                all.addAll(f.join());
              }
              all.sort(Comparator.comparingLong(SessionRecord::endNanos).reversed());
              return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
            });
  }

  /** As {@link #session}, without blocking the caller. */
  public CompletableFuture<SessionRecord> sessionAsync(String key) {
    CompletableFuture<SessionRecord> f = new CompletableFuture<>();
    shardFor(key).post(new Shard.Query<>(b -> b.find(key), f));
    return f;
  }

  private static <T> T await(CompletableFuture<T> f) throws TimeoutException {
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TimeoutException("interrupted");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Finalizes settling turns and stops the shards. */
  @Override
  public void close() {
    try {
      for (Shard s : shards) {
        s.stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  AssemblyConfig config() {
    return config;
  }

  /**
   * Runs the consumers after this one, the {@code total} spans already counted against the bound:
   * when they throw (a bug), the count is given back before the exception goes on, or the bound
   * would shrink for good and the assembler refuse everything in the end.
   */
  private Outcome nextOrGiveBack(Next next, int total) {
    try {
      return next.commit();
    } catch (RuntimeException | Error e) {
      queuedSpans.addAndGet(-total);
      throw e;
    }
  }

  /** One request's spans, grouped by shard; reused by its I/O thread. */
  private final class Batch implements Reservation {
    private final Normalizer normalizer;
    private final AgentSpan[][] byShard = new AgentSpan[shards.length][16];
    private final int[] counts = new int[shards.length];
    private int total;

    Batch(Normalizer normalizer) {
      this.normalizer = normalizer;
    }

    void reset() {
      Arrays.fill(counts, 0);
      total = 0;
    }

    @Override
    public void resource(ResourceView resource) {
      normalizer.resource(resource);
    }

    @Override
    public void span(SpanView span) {
      AgentSpan s = normalizer.normalize(span);
      int i = shardIndex(s);
      if (counts[i] == byShard[i].length) {
        byShard[i] = Arrays.copyOf(byShard[i], counts[i] * 2);
      }
      byShard[i][counts[i]++] = s;
      total++;
    }

    @Override
    public CompletableFuture<Outcome> commit(byte[] request, int spans, Next next) {
      if (total == 0) {
        return next.commit().now();
      }
      if (queuedSpans.addAndGet(total) > config.maxQueuedSpans()) {
        queuedSpans.addAndGet(-total);
        abort();
        return Outcome.PIPELINE_FULL.now();
      }
      Outcome o;
      try {
        o = nextOrGiveBack(next, total); // before posting: a refusal could not be undone
      } catch (RuntimeException | Error e) {
        abort();
        throw e;
      }
      if (o != Outcome.ACCEPTED) {
        queuedSpans.addAndGet(-total);
        abort();
        return o.now();
      }
      for (int i = 0; i < shards.length; i++) {
        if (counts[i] > 0) {
          shards[i].post(new Shard.Spans(Arrays.copyOf(byShard[i], counts[i]), counts[i]));
          Arrays.fill(byShard[i], 0, counts[i], null);
        }
      }
      reset();
      return Outcome.ACCEPTED.now();
    }

    @Override
    public void abort() {
      for (int i = 0; i < shards.length; i++) {
        Arrays.fill(byShard[i], 0, counts[i], null);
      }
      reset();
    }

    @Override
    public Reservation detach() {
      // The copies commit would make anyway; the spans are immutable, the messages ready to post.
      Shard.Spans[] messages = new Shard.Spans[shards.length];
      for (int i = 0; i < shards.length; i++) {
        if (counts[i] > 0) {
          messages[i] = new Shard.Spans(Arrays.copyOf(byShard[i], counts[i]), counts[i]);
          Arrays.fill(byShard[i], 0, counts[i], null);
        }
      }
      Detached d = new Detached(messages, total);
      reset();
      return d;
    }
  }

  /** A request's spans taken off its I/O thread's batch: committed or aborted once, any thread. */
  private final class Detached implements Reservation {
    private final Shard.Spans[] messages;
    private final int total;

    Detached(Shard.Spans[] messages, int total) {
      this.messages = messages;
      this.total = total;
    }

    @Override
    public void span(SpanView span) {
      throw new IllegalStateException("a detached batch takes no more spans");
    }

    @Override
    public CompletableFuture<Outcome> commit(byte[] request, int spans, Next next) {
      if (total == 0) {
        return next.commit().now();
      }
      if (queuedSpans.addAndGet(total) > config.maxQueuedSpans()) {
        queuedSpans.addAndGet(-total);
        return Outcome.PIPELINE_FULL.now();
      }
      Outcome o = nextOrGiveBack(next, total); // before posting: a refusal could not be undone
      if (o != Outcome.ACCEPTED) {
        queuedSpans.addAndGet(-total);
        return o.now();
      }
      for (int i = 0; i < messages.length; i++) {
        if (messages[i] != null) {
          shards[i].post(messages[i]);
        }
      }
      return Outcome.ACCEPTED.now();
    }

    @Override
    public void abort() {}
  }
}
