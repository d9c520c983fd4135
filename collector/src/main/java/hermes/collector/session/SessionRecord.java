package hermes.collector.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A session as the API and the listeners see it: a snapshot, immutable. The summary is at hand; the
 * tree ({@link #turns()}, {@link #looseCalls()}) is decoded from the session's packed log on first
 * use, so a listener that only counts never pays for it.
 *
 * <p>Threading: safe to share once published; the lazy decode may run twice under a race and yields
 * equal lists either way.
 */
public final class SessionRecord {
  private final String key;
  private final String service;
  private final String platform;
  private final long startNanos;
  private final long endNanos;
  private final String outcome;
  private final int turnCount;
  private final SessionLog.View log;
  private final Totals totals;
  private final long lateSpans;
  private final long rootTraceIdHigh;
  private final long rootTraceIdLow;
  private final long rootSpanId;
  private final SessionBook.Provisional[] open;
  private final List<GuardTrip> guards;
  private volatile List<TurnRecord> openTurns;
  private volatile SessionLog.Contents tree;

  SessionRecord(
      String key,
      String service,
      String platform,
      long startNanos,
      long endNanos,
      String outcome,
      int turnCount,
      SessionLog.View log,
      Totals totals,
      long lateSpans,
      long rootTraceIdHigh,
      long rootTraceIdLow,
      long rootSpanId,
      SessionBook.Provisional[] open,
      List<GuardTrip> guards) {
    this.guards = guards;
    this.open = open;
    this.key = key;
    this.service = service;
    this.platform = platform;
    this.startNanos = startNanos;
    this.endNanos = endNanos;
    this.outcome = outcome;
    this.turnCount = turnCount;
    this.log = log;
    this.totals = totals;
    this.lateSpans = lateSpans;
    this.rootTraceIdHigh = rootTraceIdHigh;
    this.rootTraceIdLow = rootTraceIdLow;
    this.rootSpanId = rootSpanId;
  }

  /** The session key. */
  public String key() {
    return key;
  }

  /** The service that reported it. */
  public String service() {
    return service;
  }

  /** The platform, or null. */
  public String platform() {
    return platform;
  }

  /** Earliest start seen, ns since the epoch. */
  public long startNanos() {
    return startNanos;
  }

  /** Latest end seen, ns since the epoch. */
  public long endNanos() {
    return endNanos;
  }

  /**
   * Completed, interrupted, error, abandoned; null while live. {@code withdrawn} (only ever in a
   * {@link AssemblyListener#sessionFinished} event): the session was shown under its trace id until
   * a later span named its real session, where its calls went; it counts as no session at all.
   */
  public String outcome() {
    return outcome;
  }

  /**
   * Turns, open ones included (as many as {@link #turns()} has, without decoding them). A finished
   * session has no open turns.
   */
  public int turnCount() {
    return turnCount + (open.length == 0 ? 0 : openTurns().size());
  }

  /** Turns decided so far. */
  public int finishedTurnCount() {
    return turnCount;
  }

  /**
   * Turns in start order: the decided ones and, while the session is live, one open turn per trace
   * holding the calls whose turn has not arrived yet ({@link TurnRecord#provisional()}); when it
   * arrives they move under it, counted once.
   */
  public List<TurnRecord> turns() {
    return tree().turns();
  }

  /** The open turns: calls received whose turn is not decided yet (empty once finished). */
  public List<TurnRecord> openTurns() {
    List<TurnRecord> t = openTurns;
    if (t == null) {
      t = SessionBook.openTurns(key, service, platform, open);
      openTurns = t;
    }
    return t;
  }

  /** Calls that belong to the session but to none of its turns. */
  public List<CallRecord> looseCalls() {
    return tree().loose();
  }

  private SessionLog.Contents tree() {
    SessionLog.Contents t = tree;
    if (t == null) {
      SessionLog.Contents c = log.decode(key);
      List<TurnRecord> turns = new ArrayList<>(c.turns());
      turns.addAll(openTurns());
      turns.sort(Comparator.comparingLong(TurnRecord::startNanos));
      t = new SessionLog.Contents(List.copyOf(turns), List.copyOf(c.loose()));
      tree = t;
    }
    return t;
  }

  /** Everything counted for the session, late calls and calls of open turns included. */
  public Totals totals() {
    return totals;
  }

  /** Spans that arrived after their turn or session was finalized. */
  public long lateSpans() {
    return lateSpans;
  }

  /** The session span's trace id (high half); 0 when there is none. */
  public long rootTraceIdHigh() {
    return rootTraceIdHigh;
  }

  /** The session span's trace id (low half). */
  public long rootTraceIdLow() {
    return rootTraceIdLow;
  }

  /** The session span's id; 0 when there is none. */
  public long rootSpanId() {
    return rootSpanId;
  }

  /**
   * Whether this was a session shown under its trace id and then withdrawn (see {@link #outcome}).
   */
  public boolean withdrawn() {
    return SessionBook.WITHDRAWN.equals(outcome);
  }

  /**
   * The runaway guards this session tripped, in the order they tripped (empty when none): each
   * guard at most once, a turn guard at most once per turn. Immutable.
   */
  public List<GuardTrip> guards() {
    return guards;
  }

  /** Whether the session is still live. */
  public boolean live() {
    return outcome == null;
  }

  /** Duration in ns. */
  public long durationNanos() {
    return Math.max(0, endNanos - startNanos);
  }

  @Override
  public String toString() {
    return "SessionRecord["
        + key
        + ", "
        + (outcome == null ? "live" : outcome)
        + ", "
        + turnCount
        + " turns]";
  }
}
