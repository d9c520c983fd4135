package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first stage of assembly, per shard: the span trees of live traces, linked by parent span id
 * whatever order the spans arrive in. It decides which spans are turns and sessions (the rules of
 * {@code spec/conventions.md}, section 2), gives each call to its nearest enclosing turn, and hands
 * finished turns, session roots and calls that belong to no turn to the session stage.
 *
 * <p>A candidate (a turn, session, agent or chain span, or any root) is decided a settle delay
 * after it arrives, so that the children exported before it and the parent exported after it are
 * in. A trace is dropped as soon as its root is decided (its key is remembered, so later spans are
 * counted as late) or when it has been idle for the idle timeout.
 *
 * <p>Threading: confined to its shard's thread.
 */
final class TraceAssembly {
  private static final byte UNDECIDED = 0;
  private static final byte TURN = 1;
  private static final byte SESSION = 2;
  private static final byte NOT_TURN = 3;
  private static final int MAX_DEFERRALS = 3;
  // Parent links come from the agent: a cycle or an absurd depth must not hang the shard.
  private static final int MAX_DEPTH = 256;
  private static final int CLOSED_TRACES_REMEMBERED = 65_536;
  private static final int MIN_TABLE = 4096;

  /** Where decided facts go (the shard routes them to the session's shard). */
  interface Outbox {
    void turn(TurnRecord turn);

    void root(SessionRoot root);

    void loose(
        String sessionKey,
        String service,
        long traceIdHigh,
        long traceIdLow,
        List<CallRecord> calls,
        boolean late);

    /**
     * A span of a trace whose session is known arrived: the session is live from now on.
     *
     * @param expectsRoot whether a session span is expected above the trace's turns
     */
    void touch(String sessionKey, String service, boolean expectsRoot);

    /**
     * A call whose turn is not decided yet: shown in the session's open turn until it is.
     *
     * @param turnId the span id of the turn it is in, as far as the tree shows yet (see {@link
     *     #turnOf}): what the runaway guards count it under
     */
    void provisional(
        String sessionKey,
        String service,
        long traceIdHigh,
        long traceIdLow,
        long turnId,
        CallRecord call);

    /** Calls shown provisionally under {@code sessionKey} that were finally given to another. */
    void retract(String sessionKey, long[] spanIds);
  }

  /** A session span, decided. */
  record SessionRoot(
      String key,
      String outcome,
      long startNanos,
      long endNanos,
      String service,
      String platform,
      long traceIdHigh,
      long traceIdLow,
      long spanId) {}

  /**
   * A live trace, its own key in {@code traces}, and its pending spans: packed, one slot per span
   * in its {@link PackedCalls} (the call, if the span is one, plus the node's parent, claiming
   * turn, last child's arrival and decision state), so a span waiting out the settle delay costs
   * part of two or three arrays, not a node object and a call record. Releasing a turn compacts the
   * slots: a slot number is valid until the next {@link #release} or {@link #clear}, a span id
   * always.
   */
  private static final class Trace extends TraceKey {
    private static final long[] NONE = {};
    private static final int PARENT = 0; // extra longs
    private static final int TURN_ID = 1; // the turn or session that claimed it; 0 while unclaimed
    private static final int LAST_CHILD = 2; // when a direct child last arrived while undecided
    private static final int STATE = 0; // extra int: role | decided << 8 | deferrals << 16
    private final SlotPool pool;
    // Made when the trace holds a span, dropped when it holds none (a hermes session's trace
    // waits for its session span between turns, for minutes, holding nothing).
    PackedCalls calls;
    String sessionKey; // from the first span that carried one
    String service; // of the first span
    long lastActivity;
    boolean rootDecided;
    // What stays of the turns finalized while the trace lives on (the session span is still to
    // come): their span ids, so that a late child finds its turn gone. Exact size: few per trace.
    long[] finalizedTurns = NONE;
    // The session its calls are shown under while their turns settle; null until a span of the
    // trace names one (a trace that never names one is shown when its root is decided).
    String liveKey;
    boolean expectsRoot;
    boolean keylessQueued;
    long keylessDue;

    Trace(long high, long low, SlotPool pool) {
      super(high, low);
      this.pool = pool;
    }

    /** Holds {@code s} (and its call, or null) in a new slot. */
    void add(AgentSpan s, CallRecord call) {
      if (calls == null) {
        calls = new PackedCalls(3, 1, pool);
      }
      int i = call != null ? calls.add(call) : calls.add(s.spanId());
      calls.extraLong(i, PARENT, s.parentSpanId());
      calls.extraInt(i, STATE, s.role().ordinal()); // undecided, no deferrals
      // Candidates (one or a few per turn) keep their span: the facts a decision needs.
      calls.ref(i, TraceAssembly.isCandidate(s) ? s : null);
    }

    int size() {
      return calls == null ? 0 : calls.size();
    }

    /** The slot of the span {@code spanId} held here, or -1. */
    int slot(long spanId) {
      return calls == null ? -1 : calls.find(spanId);
    }

    AgentSpan span(int i) {
      return (AgentSpan) calls.ref(i);
    }

    long parentId(int i) {
      return calls.extraLong(i, PARENT);
    }

    long turnId(int i) {
      return calls.extraLong(i, TURN_ID);
    }

    void turnId(int i, long id) {
      calls.extraLong(i, TURN_ID, id);
    }

    long lastChild(int i) {
      return calls.extraLong(i, LAST_CHILD);
    }

    void lastChild(int i, long t) {
      calls.extraLong(i, LAST_CHILD, t);
    }

    Role role(int i) {
      return ROLES[calls.extraInt(i, STATE) & 0xff];
    }

    byte decided(int i) {
      return (byte) (calls.extraInt(i, STATE) >>> 8);
    }

    void decided(int i, byte d) {
      int st = calls.extraInt(i, STATE);
      calls.extraInt(i, STATE, (st & ~0xff00) | (d & 0xff) << 8);
    }

    int deferrals(int i) {
      return calls.extraInt(i, STATE) >>> 16;
    }

    void deferred(int i) {
      calls.extraInt(i, STATE, calls.extraInt(i, STATE) + (1 << 16));
    }

    boolean hasParent(int i) {
      return parentId(i) != 0;
    }

    boolean isCandidate(int i) {
      return TraceAssembly.isCandidate(role(i), hasParent(i));
    }

    /**
     * Drops the turn {@code turnId} and the spans it claimed (with none left, the arrays go back: a
     * hermes trace waits for its session span between turns); returns how many were dropped.
     */
    int release(long turnId) {
      int dropped = calls.retain((p, i) -> p.extraLong(i, TURN_ID) != turnId);
      if (calls.size() == 0) {
        calls = null; // its arrays went back to the pool
      }
      return dropped;
    }

    /** Drops every span and gives the arrays back. */
    void clear() {
      if (calls != null) {
        calls.clear();
        calls = null;
      }
    }

    boolean isFinalizedTurn(long spanId) {
      for (long id : finalizedTurns) {
        if (id == spanId) {
          return true;
        }
      }
      return false;
    }

    void finalizedTurn(long spanId) {
      finalizedTurns = Arrays.copyOf(finalizedTurns, finalizedTurns.length + 1);
      finalizedTurns[finalizedTurns.length - 1] = spanId;
    }
  }

  /** A candidate to decide when {@code due}; found again by its span id (slots move). */
  private record Pending(long due, Trace trace, long spanId) {}

  private static final Role[] ROLES = Role.values();

  private final Outbox out;
  private final long settleNanos;
  private final long idleNanos;
  private final int maxSpansPerTrace;
  private final LinkedHashMap<TraceKey, Trace> traces = new LinkedHashMap<>(64, 0.75f, true);
  private ArrayDeque<Pending> settling = new ArrayDeque<>();
  private int settlingPeak;
  private final LinkedHashMap<TraceKey, String> closed =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<TraceKey, String> eldest) {
          return size() > CLOSED_TRACES_REMEMBERED;
        }
      };
  private final TraceKey probe = new TraceKey(0, 0);
  // The traces' slot arrays, reused as turns release them (1 MiB per capacity class and kind).
  private final SlotPool pool = new SlotPool(1 << 20);
  private final int maxPendingSpans;
  // The spans held in every trace's slots: exact (added on add, taken off on release and close).
  private int pending;
  // Traces whose root arrived naming no session: shown under their trace id after a grace period,
  // unless a span names their session first.
  private final ArrayDeque<Trace> keyless = new ArrayDeque<>();
  static final long KEYLESS_GRACE_NANOS = 500_000_000L;
  long lateSpans;
  long spansNotKept;
  long pendingEvicted;

  TraceAssembly(
      Outbox out, long settleNanos, long idleNanos, int maxSpansPerTrace, int maxPendingSpans) {
    this.out = out;
    this.settleNanos = settleNanos;
    this.idleNanos = idleNanos;
    this.maxSpansPerTrace = Math.max(1, maxSpansPerTrace);
    this.maxPendingSpans = Math.max(1, maxPendingSpans);
  }

  /** Spans held waiting for their turn, session or parent. */
  int pendingSpans() {
    return pending;
  }

  int liveTraces() {
    return traces.size();
  }

  /** Adds one span; {@code call} is its call record (null for non-calls). */
  void add(AgentSpan s, CallRecord call, long now) {
    probe.set(s.traceIdHigh(), s.traceIdLow());
    Trace trace = traces.get(probe);
    if (trace == null) {
      String closedKey = closed.get(probe);
      if (closedKey != null) {
        late(s, call, s.sessionKey() != null ? s.sessionKey() : closedKey);
        return;
      }
      trace = new Trace(s.traceIdHigh(), s.traceIdLow(), pool);
      traces.put(trace, trace);
    }
    trace.lastActivity = now;
    if (trace.service == null) {
      trace.service = s.service();
    }
    if (trace.sessionKey == null && s.sessionKey() != null) {
      trace.sessionKey = s.sessionKey();
    }
    if (!trace.expectsRoot && expectsRoot(s)) {
      trace.expectsRoot = true;
      if (trace.liveKey != null) {
        out.touch(trace.liveKey, trace.service, true);
      }
    }
    int parent = s.hasParent() ? trace.slot(s.parentSpanId()) : -1;
    if ((parent >= 0 && trace.turnId(parent) != 0)
        || (parent < 0 && s.hasParent() && trace.isFinalizedTurn(s.parentSpanId()))) {
      // Its turn (or session) was finalized already: late, but its call still counts.
      late(s, call, parent >= 0 ? sessionKeyOf(trace, parent) : sessionKeyOf(trace));
      return;
    }
    if (trace.size() >= maxSpansPerTrace) {
      spansNotKept++;
      if (call != null) {
        out.loose(
            sessionKeyOf(s, trace), s.service(), trace.high(), trace.low(), List.of(call), false);
      }
      return;
    }
    if (parent >= 0 && trace.decided(parent) == UNDECIDED) {
      trace.lastChild(parent, now); // its children are still coming: it waits for them
    }
    trace.add(s, call);
    pending++;
    if (isCandidate(s)) {
      settling.add(new Pending(now + settleNanos, trace, s.spanId()));
      settlingPeak = Math.max(settlingPeak, settling.size());
    }
    if (trace.sessionKey != null && !trace.sessionKey.equals(trace.liveKey)) {
      if (trace.liveKey != null) {
        withdraw(trace); // shown under its trace id so far: its session is named now
      }
      goLive(trace);
    } else if (trace.liveKey == null && !s.hasParent() && !trace.keylessQueued) {
      trace.keylessQueued = true;
      trace.keylessDue = now + KEYLESS_GRACE_NANOS;
      keyless.add(trace);
    } else if (trace.liveKey != null && call != null) {
      out.provisional(
          trace.liveKey,
          trace.service,
          trace.high(),
          trace.low(),
          turnOf(trace, trace.slot(s.spanId())),
          call);
    }
    if (pending > maxPendingSpans) {
      evictOldest(now);
    }
  }

  /**
   * Settles the least recently active traces holding pending spans until the pending spans are 1/8
   * under the bound, so that a full table costs one burst of work, not some on every span. Traces
   * that hold nothing (a hermes session's trace between turns, waiting for its session span) are
   * passed over: settling them frees nothing and would make their session span late.
   */
  private void evictOldest(long now) {
    int low = maxPendingSpans - maxPendingSpans / 8;
    Iterator<Trace> it = traces.values().iterator();
    List<Trace> victims = new ArrayList<>();
    int freed = 0;
    while (it.hasNext() && pending - freed > low) {
      Trace t = it.next();
      if (t.size() > 0) {
        victims.add(t);
        freed += t.size();
      }
    }
    for (Trace t : victims) {
      settleEarly(t, now);
    }
  }

  /** The hermes plugin always ends a session with its span; so does a turn with a parent. */
  private static boolean expectsRoot(AgentSpan s) {
    return s.convention() == hermes.collector.semconv.Convention.HERMES
        || s.role() == Role.SESSION
        || (s.role() == Role.TURN && s.hasParent());
  }

  /** The calls shown under the trace id, given back: the trace named its session. */
  private void withdraw(Trace trace) {
    int n = 0;
    for (int i = 0; i < trace.size(); i++) {
      if (trace.calls.has(i) && trace.turnId(i) == 0) {
        n++;
      }
    }
    long[] ids = new long[n];
    n = 0;
    for (int i = 0; i < trace.size(); i++) {
      if (trace.calls.has(i) && trace.turnId(i) == 0) {
        ids[n++] = trace.calls.spanId(i);
      }
    }
    out.retract(trace.liveKey, ids);
    trace.liveKey = null;
  }

  /** The trace's session became known: it is live, with every call received so far. */
  private void goLive(Trace trace) {
    goLive(trace, trace.sessionKey);
  }

  private void goLive(Trace trace, String key) {
    trace.liveKey = key;
    out.touch(trace.liveKey, trace.service, trace.expectsRoot);
    for (int i = 0; i < trace.size(); i++) {
      if (trace.calls.has(i) && trace.turnId(i) == 0) {
        out.provisional(
            trace.liveKey,
            trace.service,
            trace.high(),
            trace.low(),
            turnOf(trace, i),
            trace.calls.get(i));
      }
    }
  }

  /**
   * The span id of the turn call {@code n} is in, as far as the tree shows now: the nearest turn or
   * session above it, the root, or else the nearest ancestor that has not arrived. A running turn
   * exports its calls before itself, so that is, while it runs, the turn: the same id its {@link
   * TurnRecord} will have. Agent and chain spans in between are passed over; a call of no parent is
   * its own turn.
   */
  private static long turnOf(Trace trace, int slot) {
    long id = trace.parentId(slot);
    for (int depth = 0; id != 0 && depth < MAX_DEPTH; depth++) {
      int p = trace.slot(id);
      if (p < 0) {
        return id; // not here (yet): the running turn, or a turn finalized already
      }
      byte decided = trace.decided(p);
      Role role = trace.role(p);
      if (decided == TURN
          || decided == SESSION
          || role == Role.TURN
          || role == Role.SESSION
          || !trace.hasParent(p)) {
        return id;
      }
      id = trace.parentId(p);
    }
    return id != 0 ? id : trace.calls.spanId(slot);
  }

  /**
   * The pending bound ({@code sessions.max_pending_spans}): the least recently active trace is
   * settled now, as it stands: its candidates are decided without waiting for their parents, and
   * what no turn claims goes to its session as calls of no turn. Nothing counted is lost.
   */
  private void settleEarly(Trace victim, long now) {
    if (!traces.containsKey(victim)) {
      return;
    }
    pendingEvicted++;
    for (AgentSpan w : waitingCandidates(victim, -1)) {
      if (!traces.containsKey(victim)) {
        break;
      }
      int i = victim.slot(w.spanId());
      if (i >= 0 && victim.turnId(i) == 0 && victim.decided(i) == UNDECIDED) {
        decide(victim, i, now, false);
      }
    }
    if (traces.containsKey(victim)) {
      traces.remove(victim);
      close(victim);
    }
  }

  /**
   * The undecided, unclaimed candidates of {@code trace} but {@code except} (a slot, or -1), in
   * start order: deciding one releases slots, so they are found again by span id.
   */
  private static List<AgentSpan> waitingCandidates(Trace trace, int except) {
    List<AgentSpan> waiting = new ArrayList<>();
    for (int i = 0; i < trace.size(); i++) {
      if (i != except
          && trace.turnId(i) == 0
          && trace.decided(i) == UNDECIDED
          && trace.span(i) != null) {
        waiting.add(trace.span(i));
      }
    }
    // Usually already in start order (spans come in as they started): check before sorting, which
    // compares through the comparator's lambdas.
    for (int i = 1; i < waiting.size(); i++) {
      if (waiting.get(i).startNanos() < waiting.get(i - 1).startNanos()) {
        waiting.sort(Comparator.comparingLong(AgentSpan::startNanos));
        break;
      }
    }
    return waiting;
  }

  private void late(AgentSpan s, CallRecord call, String sessionKey) {
    if (call != null) {
      // counted late at its session
      out.loose(sessionKey, s.service(), s.traceIdHigh(), s.traceIdLow(), List.of(call), true);
    } else {
      lateSpans++;
    }
  }

  private static boolean isCandidate(AgentSpan s) {
    return isCandidate(s.role(), s.hasParent());
  }

  private static boolean isCandidate(Role r, boolean hasParent) {
    return r == Role.SESSION || r == Role.TURN || r == Role.AGENT || r == Role.CHAIN || !hasParent;
  }

  /**
   * When {@link #tick} next has something to do: the first keyless grace, settle deadline or idle
   * timeout, as {@link #tick} reads them (the head of each); {@link Long#MAX_VALUE} when nothing is
   * pending. Any timer a tick handles must show here, or the shard would sleep through it.
   */
  long nextDeadline() {
    long due = Long.MAX_VALUE;
    if (!keyless.isEmpty()) {
      due = keyless.peekFirst().keylessDue;
    }
    if (!settling.isEmpty()) {
      due = Math.min(due, settling.peekFirst().due());
    }
    if (!traces.isEmpty()) {
      due = Math.min(due, traces.values().iterator().next().lastActivity + idleNanos);
    }
    return due;
  }

  /** Decides what is due and drops idle traces. */
  void tick(long now) {
    while (!keyless.isEmpty() && keyless.peekFirst().keylessDue <= now) {
      Trace t = keyless.pollFirst();
      if (t.liveKey == null && t.sessionKey == null && traces.containsKey(t)) {
        goLive(t, t.hex()); // no span named a session: the trace is the session
      }
    }
    while (!settling.isEmpty() && settling.peekFirst().due() <= now) {
      Pending p = settling.pollFirst();
      Trace t = p.trace();
      int n = t.slot(p.spanId());
      if (n < 0
          || t.turnId(n) != 0
          || t.decided(n) != UNDECIDED
          || t.span(n) == null
          || traces.get(t) != t) {
        continue;
      }
      // A span is decided once its own children have been quiet for the settle delay; a session
      // root (terminal: it closes the trace) once its whole trace has.
      long quietSince = isFutureSessionRoot(t, n) ? t.lastActivity : t.lastChild(n);
      if (quietSince + settleNanos > now) {
        settling.add(new Pending(quietSince + settleNanos, t, p.spanId()));
        continue;
      }
      decide(t, n, now, true);
    }
    Iterator<Trace> it = traces.values().iterator();
    while (it.hasNext()) {
      Trace t = it.next();
      if (t.lastActivity + idleNanos > now) {
        break; // access order: the rest are more recent
      }
      it.remove();
      close(t);
    }
    // A queue grown for a burst of spans in flight does not shrink by itself: give the heap back.
    if (settling.isEmpty() && settlingPeak > MIN_TABLE) {
      settling = new ArrayDeque<>();
      settlingPeak = 0;
    }
  }

  /** Finalizes every candidate now (shutdown): nothing decided is lost. */
  void flush(long now) {
    while (!settling.isEmpty()) {
      Pending p = settling.pollFirst();
      Trace t = p.trace();
      int n = t.slot(p.spanId());
      if (n >= 0
          && t.turnId(n) == 0
          && t.decided(n) == UNDECIDED
          && t.span(n) != null
          && traces.get(t) == t) {
        decide(t, n, now, false);
      }
    }
  }

  private void decide(Trace trace, int n, long now, boolean mayDefer) {
    AgentSpan s = trace.span(n);
    if (s == null) {
      return; // not a candidate (a span id used twice in the trace): nothing to decide
    }
    switch (s.role()) {
      case SESSION:
        sessionRoot(trace, n);
        return;
      case TURN:
        turn(trace, n);
        return;
      default:
        break;
    }
    if (!s.hasParent()) {
      if (trace.sessionKey != null) {
        turn(trace, n); // one trace per user message: the root is the turn
      } else if (s.role() == Role.AGENT) {
        sessionRoot(trace, n); // a root agent with no session attribute is a session of its own
      } else if (s.role() == Role.CHAIN) {
        turn(trace, n);
      } else {
        trace.decided(n, NOT_TURN);
        trace.rootDecided = true;
        closeIfDone(trace);
      }
      return;
    }
    // An agent or chain below something: a turn only if it is the outermost one.
    int depth = 0;
    for (long id = s.parentSpanId(); ; ) {
      int p = trace.slot(id);
      if (p < 0 && trace.isFinalizedTurn(id)) {
        trace.decided(n, NOT_TURN); // nested in a turn finalized already
        return;
      }
      if (p < 0 || ++depth > MAX_DEPTH) {
        if (mayDefer && trace.deferrals(n) < MAX_DEFERRALS) {
          trace.deferred(n); // its parent has not arrived yet: wait for it
          settling.add(new Pending(now + settleNanos, trace, s.spanId()));
          return;
        }
        turn(trace, n);
        return;
      }
      Role pr = trace.role(p);
      if (trace.decided(p) == SESSION || pr == Role.SESSION || isFutureSession(trace, p)) {
        turn(trace, n);
        return;
      }
      if (trace.decided(p) == TURN
          || pr == Role.TURN
          || pr == Role.AGENT
          || pr == Role.CHAIN
          || (!trace.hasParent(p) && trace.sessionKey != null)) {
        trace.decided(n, NOT_TURN); // nested in a turn, which will claim its calls
        return;
      }
      if (!trace.hasParent(p)) {
        turn(trace, n);
        return;
      }
      id = trace.parentId(p);
    }
  }

  /** Whether deciding slot {@code n} will make it a session root (and close its trace). */
  private static boolean isFutureSessionRoot(Trace t, int n) {
    return t.role(n) == Role.SESSION || isFutureSession(t, n);
  }

  /** A root agent span in a trace without a session attribute will be decided a session. */
  private static boolean isFutureSession(Trace t, int p) {
    return !t.hasParent(p) && t.role(p) == Role.AGENT && t.sessionKey == null;
  }

  private void turn(Trace trace, int t) {
    AgentSpan s = trace.span(t);
    trace.decided(t, TURN);
    trace.turnId(t, s.spanId());
    passThrough(trace, t);
    List<CallRecord> calls = claim(trace, t);
    String key = sessionKeyOf(trace, t);
    retractIfMoved(trace, key, calls);
    Totals totals = new Totals();
    for (CallRecord c : calls) {
      totals.add(c);
    }
    out.turn(
        new TurnRecord(
            key,
            s.traceIdHigh(),
            s.traceIdLow(),
            s.spanId(),
            s.parentSpanId(),
            s.startNanos(),
            s.endNanos(),
            s.error(),
            s.turnIndex(),
            s.service(),
            s.platform(),
            calls,
            0,
            totals,
            s.userMessage()));
    // Forgets the finalized turn and what it claimed; only its span id stays, for late children.
    pending -= trace.release(s.spanId());
    trace.finalizedTurn(s.spanId());
    if (!s.hasParent()) {
      trace.rootDecided = true;
    }
    closeIfDone(trace);
  }

  private void sessionRoot(Trace trace, int root) {
    trace.decided(root, SESSION);
    AgentSpan s = trace.span(root);
    // The root is known now: decide the candidates still settling below it, in start order.
    for (AgentSpan w : waitingCandidates(trace, root)) {
      int m = trace.slot(w.spanId());
      if (m >= 0 && trace.turnId(m) == 0 && trace.decided(m) == UNDECIDED) {
        decide(trace, m, 0, false);
      }
    }
    // Deciding turns released slots: find the root again (gone only if another session span of
    // the trace closed it meanwhile).
    root = trace.slot(s.spanId());
    List<CallRecord> direct = List.of();
    if (root >= 0) {
      trace.turnId(root, s.spanId());
      direct = claim(trace, root);
    }
    String key = sessionKeyOf(s, trace);
    retractIfMoved(trace, key, direct);
    if (!direct.isEmpty()) {
      // Calls directly under the session, with no turn between: the session is their turn.
      Totals totals = new Totals();
      for (CallRecord c : direct) {
        totals.add(c);
      }
      out.turn(
          new TurnRecord(
              key,
              s.traceIdHigh(),
              s.traceIdLow(),
              s.spanId(),
              0,
              s.startNanos(),
              s.endNanos(),
              s.error(),
              -1,
              s.service(),
              s.platform(),
              direct,
              0,
              totals,
              s.userMessage()));
    }
    String outcome = s.sessionOutcome() != null ? s.sessionOutcome() : "completed";
    // Calls of no turn first: they reach the session while it is still live.
    traces.remove(trace);
    close(trace);
    out.root(
        new SessionRoot(
            key,
            outcome,
            s.startNanos(),
            s.endNanos(),
            s.service(),
            s.platform(),
            s.traceIdHigh(),
            s.traceIdLow(),
            s.spanId()));
  }

  /**
   * Agent and chain spans nested in a turn just decided are no turns of their own: they are decided
   * now, so that the turn claims the calls below them even when they arrived after it was due (a
   * call two levels down, exported in a later request than its parents).
   */
  private void passThrough(Trace trace, int turn) {
    for (int m = 0; m < trace.size(); m++) {
      if (m != turn
          && trace.turnId(m) == 0
          && trace.decided(m) == UNDECIDED
          && trace.role(m) != Role.SESSION
          && trace.role(m) != Role.TURN
          && trace.isCandidate(m)
          && isBelow(trace, m, turn)) {
        trace.decided(m, NOT_TURN);
      }
    }
  }

  private static boolean isBelow(Trace trace, int m, int ancestor) {
    int depth = 0;
    for (int p = trace.slot(trace.parentId(m));
        p >= 0 && ++depth <= MAX_DEPTH;
        p = trace.slot(trace.parentId(p))) {
      if (p == ancestor) {
        return true;
      }
      if (!trace.hasParent(p)) {
        return false;
      }
    }
    return false;
  }

  /** Calls shown under the trace's live session that were given to another session. */
  private void retractIfMoved(Trace trace, String key, List<CallRecord> calls) {
    if (trace.liveKey == null || trace.liveKey.equals(key) || calls.isEmpty()) {
      return;
    }
    long[] ids = new long[calls.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = calls.get(i).spanId();
    }
    out.retract(trace.liveKey, ids);
  }

  /**
   * The calls (and structure) whose nearest deciding ancestor is slot {@code owner}; claims them.
   */
  private static List<CallRecord> claim(Trace trace, int owner) {
    List<CallRecord> calls = new ArrayList<>();
    if (trace.calls.has(owner)) {
      calls.add(trace.calls.get(owner));
    }
    long turnId = trace.turnId(owner);
    for (int m = 0; m < trace.size(); m++) {
      if (trace.turnId(m) != 0 || m == owner) {
        continue;
      }
      if (ownerOf(trace, m) == owner) {
        trace.turnId(m, turnId);
        if (trace.calls.has(m)) {
          calls.add(trace.calls.get(m));
        }
      }
    }
    calls.sort(Comparator.comparingLong(CallRecord::startNanos));
    return calls;
  }

  /** The slot of the turn or session that {@code m} belongs to, or -1 when none is decided yet. */
  private static int ownerOf(Trace trace, int m) {
    int depth = 0;
    for (int p = trace.slot(trace.parentId(m));
        p >= 0 && ++depth <= MAX_DEPTH;
        p = trace.slot(trace.parentId(p))) {
      if (trace.decided(p) == TURN || trace.decided(p) == SESSION) {
        return p;
      }
      if (trace.decided(p) == UNDECIDED && trace.isCandidate(p)) {
        return -1; // an enclosing candidate not decided yet: it will claim, or pass it on
      }
      if (!trace.hasParent(p)) {
        return -1;
      }
    }
    return -1;
  }

  /** Drops a trace once its root is decided and no candidate in it is still settling. */
  private void closeIfDone(Trace trace) {
    for (int m = 0; m < trace.size(); m++) {
      if (trace.decided(m) == UNDECIDED && trace.turnId(m) == 0 && trace.isCandidate(m)) {
        return;
      }
    }
    if (trace.rootDecided) {
      traces.remove(trace);
      close(trace);
    }
  }

  /** Forgets a trace: its unclaimed calls go to its session as calls of no turn. */
  private void close(Trace trace) {
    List<CallRecord> loose = null;
    String key = sessionKeyOf(trace);
    for (int m = 0; m < trace.size(); m++) {
      if (trace.turnId(m) == 0 && trace.calls.has(m)) {
        if (loose == null) {
          loose = new ArrayList<>();
        }
        loose.add(trace.calls.get(m));
      }
    }
    pending -= trace.size();
    trace.clear();
    if (loose != null) {
      out.loose(key, trace.service, trace.high(), trace.low(), loose, false);
    }
    closed.put(trace.copy(), key); // not the trace: its slots must go
  }

  private static String sessionKeyOf(Trace trace, int slot) {
    AgentSpan s = trace.span(slot);
    return s != null ? sessionKeyOf(s, trace) : sessionKeyOf(trace);
  }

  /** The session of a trace's finalized turns. */
  private static String sessionKeyOf(Trace t) {
    return t.sessionKey != null ? t.sessionKey : t.hex();
  }

  private static String sessionKeyOf(AgentSpan s, Trace t) {
    if (s.sessionKey() != null) {
      return s.sessionKey();
    }
    if (t.sessionKey != null) {
      return t.sessionKey;
    }
    return t.hex(); // no session attribute anywhere: the trace is the session
  }
}
