package hermes.collector.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second stage of assembly, per shard: sessions by key, built from finished turns, session
 * roots and calls of no turn, whichever traces and shards they came from. A session is finalized
 * when its root is decided, or after the idle timeout (abandoned when a session span was expected
 * above its turns and never came, else completed or error from its last turn), or when it is
 * evicted to keep the live-session bound.
 *
 * <p>Threading: confined to its shard's thread; the API reads it through queries run there.
 */
final class SessionBook {
  private static final int FINALIZED_KEYS_REMEMBERED = 65_536;

  /** A live session: mutable, owned by the shard. */
  private static final class Live {
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

    Live(String key, String service) {
      this.key = key;
      this.openService = service == null ? "unknown" : service;
      this.service = service;
    }

    void span(long s, long e) {
      start = Math.min(start, s);
      end = Math.max(end, e);
    }
  }

  private final AssemblyListener listener;
  private final long idleNanos;
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
  long evicted;
  long lateSpans;
  long callsNotKept;

  SessionBook(
      AssemblyListener listener, long idleNanos, int maxLive, int maxCallsKept, int finishedKept) {
    this.listener = listener;
    this.idleNanos = idleNanos;
    this.maxLive = Math.max(1, maxLive);
    this.maxCallsKept = maxCallsKept;
    this.finishedKept = finishedKept;
  }

  int liveCount() {
    return live.size();
  }

  /** Live sessions by the service they opened with (a copy). */
  Map<String, Integer> liveByService() {
    return Map.copyOf(liveByService);
  }

  void turn(TurnRecord t, long now) {
    Live s = open(t.sessionKey(), t.service(), now);
    if (s == null) {
      lateSpans += 1 + t.calls().size();
      return;
    }
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

  void loose(String key, String service, List<CallRecord> calls, boolean late, long now) {
    Live s = open(key, service, now);
    if (s == null) {
      lateSpans += calls.size();
      return;
    }
    for (CallRecord c : calls) {
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
        return null;
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
    }
    s.lastActivity = now;
    return s;
  }

  /** Finalizes sessions idle past the timeout. */
  void tick(long now) {
    Iterator<Live> it = live.values().iterator();
    while (it.hasNext()) {
      Live s = it.next();
      if (s.lastActivity + idleNanos > now) {
        break; // access order: the rest were active more recently
      }
      it.remove();
      String outcome = s.expectsRoot ? "abandoned" : s.lastTurnError ? "error" : "completed";
      finish(s, outcome, 0, 0, 0);
    }
  }

  private void finish(Live s, String outcome, long rootHigh, long rootLow, long rootSpan) {
    liveByService.computeIfPresent(s.openService, (k, n) -> n > 1 ? n - 1 : null);
    Finished f = new Finished(s, outcome, rootHigh, rootLow, rootSpan);
    finalizedKeys.put(s.key, Boolean.TRUE);
    if (finishedKept > 0) {
      if (finished.size() >= finishedKept) {
        finished.pollFirst();
      }
      finished.addLast(f);
    }
    listener.sessionFinished(f.snapshot());
  }

  private static SessionRecord snapshot(
      Live s, String outcome, long rootHigh, long rootLow, long rootSpan) {
    return new SessionRecord(
        s.key,
        s.service,
        s.platform,
        s.start == Long.MAX_VALUE ? 0 : s.start,
        s.end == Long.MIN_VALUE ? 0 : s.end,
        outcome,
        s.turns,
        s.log.view(),
        s.totals.copy(),
        s.late,
        rootHigh,
        rootLow,
        rootSpan);
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
