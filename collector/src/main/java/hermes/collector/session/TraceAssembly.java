package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.collections.Long2ObjectHashMap;

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

    void loose(String sessionKey, String service, List<CallRecord> calls, boolean late);

    /**
     * A span of a trace whose session is known arrived: the session is live from now on.
     *
     * @param expectsRoot whether a session span is expected above the trace's turns
     */
    void touch(String sessionKey, String service, boolean expectsRoot);

    /** A call whose turn is not decided yet: shown in the session's open turn until it is. */
    void provisional(
        String sessionKey, String service, long traceIdHigh, long traceIdLow, CallRecord call);

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

  private static final class Node {
    final long spanId;
    final long parentId;
    final Role role;
    final Trace trace;
    final AgentSpan span; // candidates only: the facts a decision needs; calls keep their record
    final CallRecord call;
    long turnId; // the span id of the turn or session that claimed it; 0 while unclaimed
    long lastChild; // when a direct child last arrived while this node was undecided
    byte decided;
    byte deferrals;

    Node(AgentSpan span, Trace trace, CallRecord call) {
      this.spanId = span.spanId();
      this.parentId = span.parentSpanId();
      this.role = span.role();
      // A call's span would only wait out the settle delay in the old generation: let it go.
      this.span = isCandidate(span) ? span : null;
      this.trace = trace;
      this.call = call;
    }

    boolean hasParent() {
      return parentId != 0;
    }
  }

  /** A live trace, its own key in {@code traces}. */
  private static final class Trace extends TraceKey {
    private static final long[] NONE = {};
    final ArrayList<Node> members = new ArrayList<>();
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

    Trace(long high, long low) {
      super(high, low);
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
      finalizedTurns = java.util.Arrays.copyOf(finalizedTurns, finalizedTurns.length + 1);
      finalizedTurns[finalizedTurns.length - 1] = spanId;
    }
  }

  private record Pending(long due, Node node) {}

  private final Outbox out;
  private final long settleNanos;
  private final long idleNanos;
  private final int maxSpansPerTrace;
  // Single-threaded, open addressing, no boxing; compacted when a burst has passed (see tick).
  private final Long2ObjectHashMap<Node> nodes = new Long2ObjectHashMap<>(1024, 0.65f);
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
  private final int maxPendingSpans;
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
    return nodes.size();
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
      trace = new Trace(s.traceIdHigh(), s.traceIdLow());
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
    Node parent = s.hasParent() ? nodes.get(s.parentSpanId()) : null;
    if ((parent != null && parent.trace == trace && parent.turnId != 0)
        || (parent == null && s.hasParent() && trace.isFinalizedTurn(s.parentSpanId()))) {
      // Its turn (or session) was finalized already: late, but its call still counts.
      late(s, call, parent != null ? sessionKeyOf(parent) : sessionKeyOf(trace));
      return;
    }
    if (trace.members.size() >= maxSpansPerTrace) {
      spansNotKept++;
      if (call != null) {
        out.loose(sessionKeyOf(s, trace), s.service(), List.of(call), false);
      }
      return;
    }
    if (parent != null && parent.decided == UNDECIDED) {
      parent.lastChild = now; // its children are still coming: it waits for them
    }
    Node node = new Node(s, trace, call);
    nodes.put(s.spanId(), node);
    trace.members.add(node);
    if (isCandidate(s)) {
      settling.add(new Pending(now + settleNanos, node));
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
      out.provisional(trace.liveKey, trace.service, trace.high(), trace.low(), call);
    }
    if (nodes.size() > maxPendingSpans) {
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
    while (it.hasNext() && nodes.size() - freed > low) {
      Trace t = it.next();
      if (!t.members.isEmpty()) {
        victims.add(t);
        freed += t.members.size();
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
    for (Node m : trace.members) {
      if (m.call != null && m.turnId == 0) {
        n++;
      }
    }
    long[] ids = new long[n];
    n = 0;
    for (Node m : trace.members) {
      if (m.call != null && m.turnId == 0) {
        ids[n++] = m.call.spanId();
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
    for (Node m : trace.members) {
      if (m.call != null && m.turnId == 0) {
        out.provisional(trace.liveKey, trace.service, trace.high(), trace.low(), m.call);
      }
    }
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
    List<Node> waiting = new ArrayList<>();
    for (Node m : victim.members) {
      if (m.turnId == 0 && m.decided == UNDECIDED && isCandidate(m)) {
        waiting.add(m);
      }
    }
    waiting.sort(Comparator.comparingLong(m -> m.span.startNanos()));
    for (Node m : waiting) {
      if (m.turnId == 0 && m.decided == UNDECIDED && traces.containsKey(victim)) {
        decide(m, now, false);
      }
    }
    if (traces.containsKey(victim)) {
      traces.remove(victim);
      close(victim);
    }
  }

  private void late(AgentSpan s, CallRecord call, String sessionKey) {
    if (call != null) {
      out.loose(sessionKey, s.service(), List.of(call), true); // counted late at its session
    } else {
      lateSpans++;
    }
  }

  private static boolean isCandidate(AgentSpan s) {
    return isCandidate(s.role(), s.hasParent());
  }

  private static boolean isCandidate(Node n) {
    return isCandidate(n.role, n.hasParent());
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
      Node n = settling.pollFirst().node();
      if (n.turnId != 0 || n.decided != UNDECIDED || traces.get(n.trace) != n.trace) {
        continue;
      }
      // A span is decided once its own children have been quiet for the settle delay; a session
      // root (terminal: it closes the trace) once its whole trace has.
      long quietSince = isFutureSessionRoot(n) ? n.trace.lastActivity : n.lastChild;
      if (quietSince + settleNanos > now) {
        settling.add(new Pending(quietSince + settleNanos, n));
        continue;
      }
      decide(n, now, true);
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
    // Tables grown for a burst of spans in flight do not shrink by themselves: give the heap back.
    if (nodes.capacity() > MIN_TABLE && nodes.size() < nodes.capacity() / 8) {
      nodes.compact();
    }
    if (settling.isEmpty() && settlingPeak > MIN_TABLE) {
      settling = new ArrayDeque<>();
      settlingPeak = 0;
    }
  }

  /** Finalizes every candidate now (shutdown): nothing decided is lost. */
  void flush(long now) {
    while (!settling.isEmpty()) {
      Node n = settling.pollFirst().node();
      if (n.turnId == 0 && n.decided == UNDECIDED && traces.get(n.trace) == n.trace) {
        decide(n, now, false);
      }
    }
  }

  private void decide(Node n, long now, boolean mayDefer) {
    AgentSpan s = n.span;
    Trace trace = n.trace;
    switch (s.role()) {
      case SESSION:
        sessionRoot(n);
        return;
      case TURN:
        turn(n);
        return;
      default:
        break;
    }
    if (!s.hasParent()) {
      if (trace.sessionKey != null) {
        turn(n); // one trace per user message: the root is the turn
      } else if (s.role() == Role.AGENT) {
        sessionRoot(n); // a root agent with no session attribute is a session of its own
      } else if (s.role() == Role.CHAIN) {
        turn(n);
      } else {
        n.decided = NOT_TURN;
        trace.rootDecided = true;
        closeIfDone(trace);
      }
      return;
    }
    // An agent or chain below something: a turn only if it is the outermost one.
    int depth = 0;
    for (long id = s.parentSpanId(); ; ) {
      Node p = nodes.get(id);
      if (p == null && trace.isFinalizedTurn(id)) {
        n.decided = NOT_TURN; // nested in a turn finalized already
        return;
      }
      if (p == null || p.trace != trace || ++depth > MAX_DEPTH) {
        if (mayDefer && n.deferrals < MAX_DEFERRALS) {
          n.deferrals++; // its parent has not arrived yet: wait for it
          settling.add(new Pending(now + settleNanos, n));
          return;
        }
        turn(n);
        return;
      }
      if (p.decided == SESSION || p.role == Role.SESSION || isFutureSession(p)) {
        turn(n);
        return;
      }
      if (p.decided == TURN
          || p.role == Role.TURN
          || p.role == Role.AGENT
          || p.role == Role.CHAIN
          || (!p.hasParent() && trace.sessionKey != null)) {
        n.decided = NOT_TURN; // nested in a turn, which will claim its calls
        return;
      }
      if (!p.hasParent()) {
        turn(n);
        return;
      }
      id = p.parentId;
    }
  }

  /** Whether deciding {@code n} will make it a session root (and close its trace). */
  private static boolean isFutureSessionRoot(Node n) {
    return n.role == Role.SESSION || isFutureSession(n);
  }

  /** A root agent span in a trace without a session attribute will be decided a session. */
  private static boolean isFutureSession(Node p) {
    return !p.hasParent() && p.role == Role.AGENT && p.trace.sessionKey == null;
  }

  private void turn(Node t) {
    t.decided = TURN;
    t.turnId = t.span.spanId();
    passThrough(t);
    List<CallRecord> calls = claim(t);
    AgentSpan s = t.span;
    retractIfMoved(t.trace, sessionKeyOf(t), calls);
    Totals totals = new Totals();
    boolean error = s.error();
    for (CallRecord c : calls) {
      totals.add(c);
    }
    out.turn(
        new TurnRecord(
            sessionKeyOf(t),
            s.traceIdHigh(),
            s.traceIdLow(),
            s.spanId(),
            s.parentSpanId(),
            s.startNanos(),
            s.endNanos(),
            error,
            s.turnIndex(),
            s.service(),
            s.platform(),
            calls,
            0,
            totals,
            s.userMessage()));
    release(t);
    if (!t.hasParent()) {
      t.trace.rootDecided = true;
    }
    closeIfDone(t.trace);
  }

  /**
   * Forgets a finalized turn and what it claimed; only the turn's span id stays, for late children.
   */
  private void release(Node turn) {
    Trace trace = turn.trace;
    trace.members.removeIf(
        m -> {
          if (m == turn || m.turnId == turn.turnId) {
            nodes.remove(m.spanId);
            return true;
          }
          return false;
        });
    if (trace.members.isEmpty()) {
      trace.members.trimToSize();
    }
    trace.finalizedTurn(turn.spanId);
  }

  private void sessionRoot(Node root) {
    root.decided = SESSION;
    Trace trace = root.trace;
    // The root is known now: decide the candidates still settling below it, in start order.
    List<Node> waiting = new ArrayList<>();
    for (Node m : trace.members) {
      if (m != root && m.turnId == 0 && m.decided == UNDECIDED && isCandidate(m)) {
        waiting.add(m);
      }
    }
    waiting.sort(Comparator.comparingLong(m -> m.span.startNanos()));
    for (Node m : waiting) {
      if (m.turnId == 0 && m.decided == UNDECIDED) {
        decide(m, 0, false);
      }
    }
    root.turnId = root.span.spanId();
    AgentSpan s = root.span;
    List<CallRecord> direct = claim(root);
    retractIfMoved(trace, sessionKeyOf(root), direct);
    if (!direct.isEmpty()) {
      // Calls directly under the session, with no turn between: the session is their turn.
      Totals totals = new Totals();
      for (CallRecord c : direct) {
        totals.add(c);
      }
      out.turn(
          new TurnRecord(
              sessionKeyOf(root),
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
            sessionKeyOf(root),
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
  private void passThrough(Node turn) {
    for (Node m : turn.trace.members) {
      if (m != turn
          && m.turnId == 0
          && m.decided == UNDECIDED
          && m.role != Role.SESSION
          && m.role != Role.TURN
          && isCandidate(m)
          && isBelow(m, turn)) {
        m.decided = NOT_TURN;
      }
    }
  }

  private boolean isBelow(Node m, Node ancestor) {
    int depth = 0;
    for (Node p = nodes.get(m.parentId);
        p != null && p.trace == m.trace && ++depth <= MAX_DEPTH;
        p = nodes.get(p.parentId)) {
      if (p == ancestor) {
        return true;
      }
      if (!p.hasParent()) {
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

  /** The calls (and structure) whose nearest deciding ancestor is {@code owner}; claims them. */
  private List<CallRecord> claim(Node owner) {
    List<CallRecord> calls = new ArrayList<>();
    if (owner.call != null) {
      calls.add(owner.call);
    }
    for (Node m : owner.trace.members) {
      if (m.turnId != 0 || m == owner) {
        continue;
      }
      if (ownerOf(m) == owner) {
        m.turnId = owner.turnId;
        if (m.call != null) {
          calls.add(m.call);
        }
      }
    }
    calls.sort(Comparator.comparingLong(CallRecord::startNanos));
    return calls;
  }

  /** The turn or session node that {@code m} belongs to, or null when none is decided yet. */
  private Node ownerOf(Node m) {
    int depth = 0;
    for (Node p = nodes.get(m.parentId);
        p != null && p.trace == m.trace && ++depth <= MAX_DEPTH;
        p = nodes.get(p.parentId)) {
      if (p.decided == TURN || p.decided == SESSION) {
        return p;
      }
      if (p.decided == UNDECIDED && isCandidate(p)) {
        return null; // an enclosing candidate not decided yet: it will claim, or pass it on
      }
      if (!p.hasParent()) {
        return null;
      }
    }
    return null;
  }

  /** Drops a trace once its root is decided and no candidate in it is still settling. */
  private void closeIfDone(Trace trace) {
    for (Node m : trace.members) {
      if (m.decided == UNDECIDED && m.turnId == 0 && isCandidate(m)) {
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
    List<CallRecord> loose = new ArrayList<>();
    String key = sessionKeyOf(trace);
    for (Node m : trace.members) {
      nodes.remove(m.spanId);
      if (m.turnId == 0 && m.call != null) {
        loose.add(m.call);
      }
    }
    if (!loose.isEmpty()) {
      out.loose(key, trace.service, loose, false);
    }
    closed.put(trace.copy(), key); // not the trace: its members must go
    trace.members.clear();
  }

  private static String sessionKeyOf(Node n) {
    return n.span != null ? sessionKeyOf(n.span, n.trace) : sessionKeyOf(n.trace);
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
