package hermes.collector.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.collections.LongHashSet;

/**
 * The second stage of assembly, per shard: sessions by key, built from finished turns, session
 * roots and calls of no turn, whichever traces and shards they came from. A session is live from
 * the first span that names it: calls whose turn is not decided yet are held provisionally (shown
 * in an open turn, counted in the totals) and move under their turn when it arrives, counted once.
 * A session is finalized when its root is decided; or after the idle timeout when a session span is
 * expected above its turns (abandoned); or, without a session span (one trace per turn), after the
 * rootless idle timeout, with the outcome of its last turn; or when it is evicted to keep the
 * live-session bound.
 *
 * <p>A key that comes back after its rootless session ended opens a new session under the same key
 * (a new stretch of work, counted once itself); calls of the ended stretch that arrive late are
 * recognized and not counted again.
 *
 * <p>Events: {@link AssemblyListener#sessionOpened} when a session opens, {@link
 * AssemblyListener#sessionUpdated} at most once per {@link #UPDATE_NANOS} per changed session
 * (coalesced on the tick), {@link AssemblyListener#sessionFinished} when it is finalized.
 *
 * <p>Threading: confined to its shard's thread; the API reads it through queries run there.
 */
final class SessionBook {
  private static final int FINALIZED_KEYS_REMEMBERED = 65_536;
  private static final int SETTLED_CALLS_REMEMBERED = 65_536;
  static final long UPDATE_NANOS = 250_000_000L;

  /**
   * The outcome of a session withdrawn before it had anything of its own (see {@link #retract}).
   */
  static final String WITHDRAWN = "withdrawn";

  /**
   * A call shown provisionally under session {@code key} until its turn arrives: the message the
   * trace stage posts, kept as it is.
   */
  record Provisional(
      String key,
      String service,
      long traceIdHigh,
      long traceIdLow,
      long turnId,
      CallRecord call) {}

  private static final Provisional[] NO_PROVISIONAL = {};

  /** A live session: mutable, owned by the shard. */
  private static final class Live implements RunawayGuards.Session {
    final String key;
    final String openService; // the service when it opened: its active-sessions label
    String service;
    String platform;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    final SessionLog log = new SessionLog();
    final Totals totals = new Totals();
    int turns;
    int kept;
    long late;
    boolean expectsRoot;
    boolean lastTurnError;
    long lastTurnEnd = Long.MIN_VALUE;
    long lastActivity;
    ProvisionalCalls provisional; // packed; null when none
    boolean dirty;
    RunawayGuards.State guards; // null until a call arrives (or with every guard off)
    boolean done; // finalized or withdrawn

    Live(String key, String service) {
      this.key = key;
      this.openService = service == null ? "unknown" : service;
      this.service = service;
    }

    void span(long s, long e) {
      start = Math.min(start, s);
      end = Math.max(end, e);
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public String service() {
      return service;
    }
  }

  private final AssemblyListener listener;
  private final RunawayGuards guards;
  private final long idleNanos;
  private final long rootlessIdleNanos;
  private final ArrayList<Live> dirty = new ArrayList<>();
  private long nextUpdate;
  // No live session times out before this (it may be earlier than needed: a tick that finds
  // nothing); lowered when a session opens, recomputed by the tick.
  private long idleDue = Long.MAX_VALUE;
  // Calls that were provisional when their session was finalized (counted there): their turn or
  // trace may still deliver them; a FIFO-bounded set so they are not counted twice.
  private final LongHashSet settledCalls = new LongHashSet();
  private final long[] settledOrder = new long[SETTLED_CALLS_REMEMBERED];
  private int settledNext;
  private final int maxLive;
  private final int maxCallsKept;
  private final int finishedKept;
  private final LinkedHashMap<String, Live> live = new LinkedHashMap<>(64, 0.75f, true);

  /** A finalized session: no longer changed, kept in the ring of finished sessions. */
  private record Finished(
      Live session, String outcome, long rootTraceHigh, long rootTraceLow, long rootSpanId) {
    SessionRecord snapshot() {
      return SessionBook.snapshot(session, outcome, rootTraceHigh, rootTraceLow, rootSpanId);
    }
  }

  private final ArrayDeque<Finished> finished = new ArrayDeque<>();
  private final LinkedHashMap<String, Boolean> finalizedKeys =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > FINALIZED_KEYS_REMEMBERED;
        }
      };
  private final Map<String, Integer> liveByService = new java.util.HashMap<>();
  private final SessionLog.Writer writer = new SessionLog.Writer();
  // The open turns' packed arrays, reused from session to session (1 MiB per class and kind).
  private final SlotPool pool = new SlotPool(1 << 20);
  long evicted;
  long lateSpans;
  long callsNotKept;

  SessionBook(
      AssemblyListener listener,
      long idleNanos,
      long rootlessIdleNanos,
      int maxLive,
      int maxCallsKept,
      int finishedKept,
      GuardLimits guardLimits) {
    this.listener = listener;
    this.guards =
        new RunawayGuards(
            guardLimits,
            listener,
            () -> {
              java.time.Instant i = java.time.Instant.now();
              return i.getEpochSecond() * 1_000_000_000L + i.getNano();
            });
    this.idleNanos = idleNanos;
    this.rootlessIdleNanos = rootlessIdleNanos;
    this.maxLive = Math.max(1, maxLive);
    this.maxCallsKept = maxCallsKept;
    this.finishedKept = finishedKept;
  }

  /** Running turns whose guard state a newer one took over ({@code guards.max_running_turns}). */
  long guardTurnsForgotten() {
    return guards.turnsForgotten;
  }

  /** Tool calls the guards forgot to keep {@code guards.max_tool_calls_per_turn}. */
  long guardToolCallsForgotten() {
    return guards.toolCallsForgotten;
  }

  int liveCount() {
    return live.size();
  }

  /** Live sessions by the service they opened with (a copy). */
  Map<String, Integer> liveByService() {
    return Map.copyOf(liveByService);
  }

  void turn(TurnRecord t, long now) {
    t = withoutSettled(t);
    if (t == null) {
      lateSpans++; // a turn of a stretch already finalized, whose calls were counted there
      return;
    }
    Live s = open(t.sessionKey(), t.service(), now);
    if (s == null) {
      lateSpans += 1 + t.calls().size();
      return;
    }
    for (CallRecord c : t.calls()) {
      if (!unprovision(s, c)) {
        guard(s, t.spanId(), t.traceIdHigh(), t.traceIdLow(), c);
      }
    }
    compactProvisional(s);
    if (s.guards != null) {
      guards.span(s.guards, t.startNanos(), t.endNanos(), t.traceIdHigh(), t.traceIdLow());
      if (guards.turnDone(s.guards, t.spanId())) {
        s.guards = null; // nothing left to hold between turns
      }
    }
    changed(s);
    int n = t.calls().size();
    int keep = Math.min(n, Math.max(0, maxCallsKept - s.kept));
    callsNotKept += n - keep;
    s.kept += keep;
    s.log.appendTurn(t, keep, writer);
    s.turns++;
    s.totals.add(t.totals());
    s.span(t.startNanos(), t.endNanos());
    s.expectsRoot |= t.parentSpanId() != 0;
    if (t.endNanos() >= s.lastTurnEnd) {
      s.lastTurnEnd = t.endNanos();
      s.lastTurnError = t.error();
    }
    if (s.service == null) {
      s.service = t.service();
    }
    if (s.platform == null) {
      s.platform = t.platform();
    }
  }

  void loose(
      String key,
      String service,
      long traceHigh,
      long traceLow,
      List<CallRecord> calls,
      boolean late,
      long now) {
    calls = withoutSettled(calls);
    if (calls.isEmpty()) {
      return; // counted already, provisionally, in a session finalized since
    }
    Live s = open(key, service, now);
    if (s == null) {
      lateSpans += calls.size();
      return;
    }
    changed(s);
    for (CallRecord c : calls) {
      if (!unprovision(s, c)) {
        guard(s, 0, traceHigh, traceLow, c); // of no turn: the session guards only
      }
      s.totals.add(c);
      s.span(c.startNanos(), c.startNanos() + c.durationNanos());
      if (s.kept < maxCallsKept) {
        s.log.appendLoose(c, writer);
        s.kept++;
      } else {
        callsNotKept++;
      }
    }
    if (late) {
      s.late += calls.size();
      lateSpans += calls.size();
    }
  }

  /** A span naming the session arrived: it is live (opened if new). */
  void touch(String key, String service, boolean expectsRoot, long now) {
    Live s = open(key, service, now);
    if (s != null) {
      s.expectsRoot |= expectsRoot;
    }
  }

  /** A call whose turn is not decided yet: counted and shown now, in the session's open turn. */
  void provisional(Provisional p, long now) {
    CallRecord call = p.call();
    if (settledCalls.contains(call.spanId())) {
      return;
    }
    Live s = open(p.key(), p.service(), now);
    if (s == null) {
      return; // finalized: the call is counted late when its turn or trace delivers it
    }
    if (s.provisional == null) {
      s.provisional = new ProvisionalCalls(pool);
    }
    if (s.provisional.put(p)) {
      guard(s, p.turnId(), p.traceIdHigh(), p.traceIdLow(), call);
    }
    changed(s);
  }

  /** A call reached live session {@code s} for the first time: the runaway guards count it. */
  private void guard(Live s, long turnId, long traceHigh, long traceLow, CallRecord c) {
    if (!guards.on()) {
      return;
    }
    if (s.guards == null) {
      s.guards = new RunawayGuards.State(s);
    }
    guards.call(s.guards, turnId, traceHigh, traceLow, c);
  }

  /**
   * Calls shown here provisionally that their trace gave to another session. A session left with
   * nothing (it was shown under a trace id until a span named the real session) is withdrawn: it
   * finishes with outcome {@code withdrawn}, is not kept, and counts as no session.
   */
  void retract(String key, long[] spanIds) {
    Live s = live.get(key);
    if (s == null) {
      return;
    }
    if (s.provisional != null) {
      for (long id : spanIds) {
        s.provisional.remove(id);
      }
      s.provisional.compact();
      if (s.provisional.isEmpty()) {
        s.provisional = null;
      }
    }
    if (s.provisional == null && s.turns == 0 && s.kept == 0 && s.late == 0 && s.totals.isEmpty()) {
      live.remove(key);
      liveByService.computeIfPresent(s.openService, (k, n) -> n > 1 ? n - 1 : null);
      s.dirty = false;
      s.done = true;
      listener.sessionFinished(snapshot(s, WITHDRAWN, 0, 0, 0));
      return;
    }
    changed(s);
  }

  /**
   * Takes {@code c} out of the open turn; whether it was there (counted by the guards then). Call
   * {@link #compactProvisional} when the batch is done.
   */
  private static boolean unprovision(Live s, CallRecord c) {
    return s.provisional != null && s.provisional.remove(c.spanId());
  }

  /** Drops the slots {@link #unprovision} emptied; forgets an open turn left with nothing. */
  private static void compactProvisional(Live s) {
    if (s.provisional == null) {
      return;
    }
    s.provisional.compact();
    if (s.provisional.isEmpty()) {
      s.provisional = null;
    }
  }

  private void changed(Live s) {
    if (!s.dirty) {
      s.dirty = true;
      dirty.add(s);
    }
  }

  private TurnRecord withoutSettled(TurnRecord t) {
    if (settledCalls.isEmpty()) {
      return t;
    }
    List<CallRecord> calls = withoutSettled(t.calls());
    if (calls == t.calls()) {
      return t;
    }
    if (calls.isEmpty()) {
      return null;
    }
    Totals totals = new Totals();
    for (CallRecord c : calls) {
      totals.add(c);
    }
    return new TurnRecord(
        t.sessionKey(),
        t.traceIdHigh(),
        t.traceIdLow(),
        t.spanId(),
        t.parentSpanId(),
        t.startNanos(),
        t.endNanos(),
        t.error(),
        t.index(),
        t.service(),
        t.platform(),
        calls,
        0,
        totals,
        t.userMessage());
  }

  private List<CallRecord> withoutSettled(List<CallRecord> calls) {
    if (settledCalls.isEmpty()) {
      return calls;
    }
    List<CallRecord> out = null;
    for (int i = 0; i < calls.size(); i++) {
      CallRecord c = calls.get(i);
      if (settledCalls.remove(c.spanId())) {
        if (out == null) {
          out = new ArrayList<>(calls.subList(0, i));
        }
      } else if (out != null) {
        out.add(c);
      }
    }
    return out == null ? calls : out;
  }

  void root(TraceAssembly.SessionRoot r, long now) {
    Live s = open(r.key(), r.service(), now);
    if (s == null) {
      lateSpans++;
      return;
    }
    s.span(r.startNanos(), r.endNanos());
    if (s.service == null) {
      s.service = r.service();
    }
    if (r.platform() != null) {
      s.platform = r.platform();
    }
    live.remove(s.key);
    finish(s, r.outcome(), r.traceIdHigh(), r.traceIdLow(), r.spanId());
  }

  /** The live session for {@code key}, opened if new; null when it was finalized already. */
  private Live open(String key, String service, long now) {
    Live s = live.get(key);
    if (s == null) {
      if (finalizedKeys.containsKey(key)) {
        return null; // it had a session span: what comes now is late
      }
      if (live.size() >= maxLive) {
        Iterator<Live> eldest = live.values().iterator();
        Live victim = eldest.next();
        eldest.remove();
        evicted++;
        finish(victim, "abandoned", 0, 0, 0);
      }
      s = new Live(key, service);
      live.put(key, s);
      liveByService.merge(s.openService, 1, Integer::sum);
      s.lastActivity = now;
      idleDue = Math.min(idleDue, now + Math.min(idleNanos, rootlessIdleNanos));
      listener.sessionOpened(snapshot(s, null, 0, 0, 0));
    }
    s.lastActivity = now;
    return s;
  }

  /**
   * Tells the listener of the sessions that changed and finalizes the idle ones, at most once per
   * {@link #UPDATE_NANOS}.
   */
  void tick(long now) {
    // The tool runs of the calls handled since the last tick (a request's calls all in by now).
    for (RunawayGuards.State g : guards.evaluate()) {
      Live s = (Live) g.owner;
      if (!s.done) {
        changed(s);
      }
    }
    if (now < nextUpdate) {
      return;
    }
    nextUpdate = now + UPDATE_NANOS;
    long shortest = Math.min(idleNanos, rootlessIdleNanos);
    long due = Long.MAX_VALUE;
    Iterator<Live> it = live.values().iterator();
    while (it.hasNext()) {
      Live s = it.next();
      if (s.lastActivity + shortest > now) {
        due = Math.min(due, s.lastActivity + shortest);
        break; // access order: the rest were active more recently
      }
      long timeout = s.expectsRoot ? idleNanos : rootlessIdleNanos;
      if (s.lastActivity + timeout > now) {
        due = Math.min(due, s.lastActivity + timeout);
        continue;
      }
      it.remove();
      String outcome = s.expectsRoot ? "abandoned" : s.lastTurnError ? "error" : "completed";
      finish(s, outcome, 0, 0, 0);
    }
    idleDue = due;
    boolean wanted = listener.wantsUpdates();
    for (Live s : dirty) {
      if (s.dirty) {
        s.dirty = false;
        if (wanted) {
          listener.sessionUpdated(snapshot(s, null, 0, 0, 0));
        }
      }
    }
    dirty.clear();
    if (dirty.size() == 0 && live.isEmpty()) {
      dirty.trimToSize();
    }
  }

  /**
   * When {@link #tick} next has something to do (an idle timeout, the coalesced updates of changed
   * sessions), never before the tick's own gate; {@link Long#MAX_VALUE} when nothing is pending.
   */
  long nextDeadline() {
    long due = dirty.isEmpty() ? idleDue : Math.min(idleDue, nextUpdate);
    return due == Long.MAX_VALUE ? due : Math.max(due, nextUpdate);
  }

  private void finish(Live s, String outcome, long rootHigh, long rootLow, long rootSpan) {
    s.done = true;
    if (s.guards != null) {
      guards.evaluate(s.guards); // a run its last calls completed trips while it is still live
    }
    liveByService.computeIfPresent(s.openService, (k, n) -> n > 1 ? n - 1 : null);
    s.dirty = false;
    settleProvisional(s);
    Finished f = new Finished(s, outcome, rootHigh, rootLow, rootSpan);
    if (s.expectsRoot || rootSpan != 0) {
      finalizedKeys.put(s.key, Boolean.TRUE);
    }
    if (finishedKept > 0) {
      if (finished.size() >= finishedKept) {
        finished.pollFirst();
      }
      finished.addLast(f);
    }
    listener.sessionFinished(f.snapshot());
  }

  /**
   * Calls still provisional when the session is finalized (their turn never came) are counted in it
   * as calls of no turn, and remembered so that a later delivery does not count them again.
   */
  private void settleProvisional(Live s) {
    if (s.provisional == null) {
      return;
    }
    List<Provisional> rest = Arrays.asList(s.provisional.toArray(s.key, s.service));
    rest.sort(java.util.Comparator.comparingLong(p -> p.call().startNanos()));
    s.provisional.clear();
    s.provisional = null;
    for (Provisional p : rest) {
      CallRecord c = p.call();
      s.totals.add(c);
      s.span(c.startNanos(), c.startNanos() + c.durationNanos());
      if (s.kept < maxCallsKept) {
        s.log.appendLoose(c, writer);
        s.kept++;
      } else {
        callsNotKept++;
      }
      if (settledCalls.size() >= SETTLED_CALLS_REMEMBERED) {
        settledCalls.remove(settledOrder[settledNext]);
      }
      settledOrder[settledNext] = c.spanId();
      settledNext = (settledNext + 1) % SETTLED_CALLS_REMEMBERED;
      settledCalls.add(c.spanId());
    }
  }

  private static SessionRecord snapshot(
      Live s, String outcome, long rootHigh, long rootLow, long rootSpan) {
    Totals totals = s.totals.copy();
    long start = s.start;
    long end = s.end;
    Provisional[] open = NO_PROVISIONAL;
    if (s.provisional != null) {
      // Made from the packed calls; the open turns are grouped when someone asks for them.
      open = s.provisional.toArray(s.key, s.service);
      for (Provisional p : open) {
        CallRecord c = p.call();
        totals.add(c);
        start = Math.min(start, c.startNanos());
        end = Math.max(end, c.startNanos() + c.durationNanos());
      }
    }
    return new SessionRecord(
        s.key,
        s.service,
        s.platform,
        start == Long.MAX_VALUE ? 0 : start,
        end == Long.MIN_VALUE ? 0 : end,
        outcome,
        s.turns,
        s.log.view(),
        totals,
        s.late,
        rootHigh,
        rootLow,
        rootSpan,
        open,
        s.guards == null ? List.of() : s.guards.trips());
  }

  /** Provisional calls as open turns, one per trace (a span id of 0 marks them), in start order. */
  static List<TurnRecord> openTurns(
      String key, String service, String platform, Provisional[] open) {
    if (open.length == 0) {
      return List.of();
    }
    Map<TraceKey, List<CallRecord>> byTrace = new LinkedHashMap<>();
    for (Provisional p : open) {
      byTrace
          .computeIfAbsent(new TraceKey(p.traceIdHigh(), p.traceIdLow()), k -> new ArrayList<>())
          .add(p.call());
    }
    List<TurnRecord> out = new ArrayList<>(byTrace.size());
    for (Map.Entry<TraceKey, List<CallRecord>> e : byTrace.entrySet()) {
      List<CallRecord> calls = e.getValue();
      calls.sort(java.util.Comparator.comparingLong(CallRecord::startNanos));
      Totals totals = new Totals();
      long start = Long.MAX_VALUE;
      long end = Long.MIN_VALUE;
      boolean error = false;
      for (CallRecord c : calls) {
        totals.add(c);
        start = Math.min(start, c.startNanos());
        end = Math.max(end, c.startNanos() + c.durationNanos());
        error |= c.errorType() != null;
      }
      out.add(
          new TurnRecord(
              key,
              e.getKey().high(),
              e.getKey().low(),
              0,
              0,
              start,
              end,
              error,
              -1,
              service,
              platform,
              List.copyOf(calls),
              0,
              totals));
    }
    out.sort(java.util.Comparator.comparingLong(TurnRecord::startNanos));
    return List.copyOf(out);
  }

  /** Live sessions, most recently active first. */
  List<SessionRecord> live(int limit) {
    List<Live> all = new ArrayList<>(live.values());
    List<SessionRecord> out = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
      out.add(snapshot(all.get(i), null, 0, 0, 0));
    }
    return out;
  }

  /** Finished sessions, most recently finished first. */
  List<SessionRecord> finished(int limit) {
    List<SessionRecord> out = new ArrayList<>();
    Iterator<Finished> it = finished.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next().snapshot());
    }
    return out;
  }

  /** One session, live or recently finished; null when unknown. */
  SessionRecord find(String key) {
    Live s = live.get(key);
    if (s != null) {
      return snapshot(s, null, 0, 0, 0);
    }
    Iterator<Finished> it = finished.descendingIterator();
    while (it.hasNext()) {
      Finished f = it.next();
      if (f.session().key.equals(key)) {
        return f.snapshot();
      }
    }
    return null;
  }
}
