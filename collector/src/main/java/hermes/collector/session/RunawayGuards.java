package hermes.collector.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runaway guards of one shard's live sessions ({@code guards.*}): every call that reaches a
 * live session is counted here once, when it first reaches it (shown provisionally, or with its
 * turn, or as a call of no turn), and a guard trips the first time its value reaches its limit:
 * {@link AssemblyListener#guardTripped}, one log line, and the trip kept with the session for the
 * API.
 *
 * <p>What is counted: per session the LLM calls, the tokens (input plus output), the cost and the
 * span (first start to latest end); per turn the LLM calls and the tool calls in start order. A
 * turn, while it runs, is named by its span id, which its calls carry as their parent (the nearest
 * enclosing span that has not arrived yet: a running turn exports its calls before itself). {@code
 * tool_repeat} counts the same tool with the same arguments hash in a row, in start order, over the
 * calls received so far; only another tool call breaks a run (an agent in a loop calls the LLM
 * between its tool calls), and a tool call without arguments never extends one (without the
 * attribute, identical calls cannot be told from different ones). Runs are evaluated on the shard's
 * tick, after the calls of a request are all in, so a request's order does not matter.
 *
 * <p>Each guard trips once per session; the turn guards once per turn. The state is small: a few
 * counters per session and, for its {@code guards.max_running_turns} (4) most recent running turns,
 * a counter and up to {@code guards.max_tool_calls_per_turn} (1024) tool calls (16 bytes each; past
 * it the earliest half is forgotten). What is forgotten is counted ({@link #turnsForgotten}, {@link
 * #toolCallsForgotten}): a loop spread over more running turns than that, or longer than that in
 * one batch, may go unseen. A turn's state goes when the turn is decided; with only the turn guards
 * on (the default), a session between turns that tripped nothing keeps none. When every guard is
 * off nothing is kept.
 *
 * <p>Threading: confined to its shard's thread.
 */
final class RunawayGuards {
  private static final Logger LOG = LoggerFactory.getLogger(RunawayGuards.class);
  private static final int KEY_LOGGED = 64;
  private static final long P1 = 0x9E3779B97F4A7C15L;

  /** The assembler's live session, as a trip names it. */
  interface Session {
    String key();

    /** Its {@code service.name}, or null. */
    String service();
  }

  /** One live session's guard state: kept small, every live session has one while a guard is on. */
  static final class State {
    final Session owner; // also told of a trip found on the tick
    int llmCalls;
    int tripped; // one bit per guard (Guard ordinal)
    int uses;
    boolean dirty;
    long tokens;
    long costPico;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    ArrayList<GuardTrip> trips; // null until one trips
    Turn[] turns; // null while no turn of it is running

    State(Session owner) {
      this.owner = owner;
    }

    /** The trips so far, oldest first (an immutable copy). */
    List<GuardTrip> trips() {
      return trips == null ? List.of() : List.copyOf(trips);
    }
  }

  /** One turn's guard state; reused for another turn when it is the least recently used. */
  static final class Turn {
    long id;
    long traceHigh;
    long traceLow;
    int lastUse;
    int llmCalls;
    boolean llmTripped;
    boolean repeatTripped;
    boolean dirty;
    long[] starts; // null until a tool call with arguments: without them no run can form
    long[] keys; // tool name and arguments hash; 0: no arguments
    int n;

    void reset(long id, long traceHigh, long traceLow) {
      this.id = id;
      this.traceHigh = traceHigh;
      this.traceLow = traceLow;
      llmCalls = 0;
      llmTripped = false;
      repeatTripped = false;
      dirty = false;
      n = 0;
    }

    /**
     * Adds a tool call at its place in start order, keeping at most {@code max}; returns how many
     * earlier calls it forgot to make room.
     */
    int tool(long start, long key, int max) {
      if (starts == null) {
        if (key == 0) {
          return 0; // only calls without arguments so far: nothing to compare
        }
        starts = new long[8];
        keys = new long[8];
      }
      int dropped = 0;
      if (n == starts.length) {
        if (n >= max) {
          // Runs that far back were mostly evaluated when they arrived: keep the later half.
          int drop = n / 2;
          dropped = drop;
          System.arraycopy(starts, drop, starts, 0, n - drop);
          System.arraycopy(keys, drop, keys, 0, n - drop);
          n -= drop;
        } else {
          starts = Arrays.copyOf(starts, n * 2);
          keys = Arrays.copyOf(keys, n * 2);
        }
      }
      int i = n;
      while (i > 0 && starts[i - 1] > start) {
        i--; // calls mostly arrive in start order: the place is at or near the end
      }
      System.arraycopy(starts, i, starts, i + 1, n - i);
      System.arraycopy(keys, i, keys, i + 1, n - i);
      starts[i] = start;
      keys[i] = key;
      n++;
      return dropped;
    }

    /** The longest run of identical tool calls (with arguments), in start order. */
    int longestRun() {
      int best = 0;
      int run = 0;
      long previous = 0;
      for (int i = 0; i < n; i++) {
        long k = keys[i];
        run = k == 0 ? 0 : k == previous ? run + 1 : 1;
        previous = k;
        best = Math.max(best, run);
      }
      return best;
    }
  }

  private final GuardLimits limits;

  /** Running turns whose state was taken over by a newer one ({@code guards.max_running_turns}). */
  long turnsForgotten;

  /** Tool calls forgotten to keep {@code guards.max_tool_calls_per_turn}. */
  long toolCallsForgotten;

  private final boolean sessionGuards;
  private final AssemblyListener listener;
  private final LongSupplier epochNanos;
  private final ArrayList<State> dirty = new ArrayList<>();
  private final ArrayList<State> tripped = new ArrayList<>();

  /**
   * @param epochNanos the time a trip is stamped with, ns since the epoch
   */
  RunawayGuards(GuardLimits limits, AssemblyListener listener, LongSupplier epochNanos) {
    this.limits = limits;
    this.sessionGuards =
        limits.sessionLlmCalls() > 0
            || limits.sessionTokens() > 0
            || limits.sessionCostPico() > 0
            || limits.sessionDurationNanos() > 0;
    this.listener = listener;
    this.epochNanos = epochNanos;
  }

  /** Whether any guard is on; when none is, no state is kept and nothing is counted. */
  boolean on() {
    return limits.any();
  }

  /**
   * A call reached the live session for the first time.
   *
   * @param turnId the span id of its turn (running or decided), 0 for a call of no turn (counted
   *     for the session guards only)
   */
  void call(State g, long turnId, long traceHigh, long traceLow, CallRecord c) {
    long end = c.startNanos() + c.durationNanos();
    span(g, c.startNanos(), end, traceHigh, traceLow);
    boolean llm = c.role() == hermes.collector.semconv.Role.LLM;
    if (c.isModelCall()) {
      if (llm) {
        g.llmCalls++;
        check(
            g, Guard.SESSION_LLM_CALLS, g.llmCalls, limits.sessionLlmCalls(), traceHigh, traceLow);
      }
      g.tokens += c.totalTokens();
      check(g, Guard.SESSION_TOKENS, g.tokens, limits.sessionTokens(), traceHigh, traceLow);
      if (c.costPico() > 0) {
        g.costPico += c.costPico();
        if (limits.sessionCostPico() > 0
            && g.costPico >= limits.sessionCostPico()
            && !tripped(g, Guard.SESSION_COST_USD)) {
          trip(g, Guard.SESSION_COST_USD, g.costPico / 1e12, traceHigh, traceLow);
        }
      }
    }
    if (turnId == 0 || (limits.turnLlmCalls() == 0 && limits.toolRepeat() == 0)) {
      return;
    }
    if (llm && limits.turnLlmCalls() > 0) {
      Turn t = turn(g, turnId, traceHigh, traceLow);
      t.llmCalls++;
      if (t.llmCalls >= limits.turnLlmCalls() && !t.llmTripped) {
        t.llmTripped = true;
        trip(g, Guard.TURN_LLM_CALLS, t.llmCalls, traceHigh, traceLow);
      }
    } else if (c.role() == hermes.collector.semconv.Role.TOOL && limits.toolRepeat() > 0) {
      Turn t = turn(g, turnId, traceHigh, traceLow);
      toolCallsForgotten += t.tool(c.startNanos(), toolKey(c), limits.maxToolCallsPerTurn());
      t.dirty = true;
      if (!g.dirty) {
        g.dirty = true;
        dirty.add(g);
      }
    }
  }

  /** A span of the session (a turn's own) arrived: its start and end count for the duration. */
  void span(State g, long start, long end, long traceHigh, long traceLow) {
    g.start = Math.min(g.start, start);
    g.end = Math.max(g.end, end);
    if (limits.sessionDurationNanos() > 0
        && g.end - g.start >= limits.sessionDurationNanos()
        && !tripped(g, Guard.SESSION_DURATION)) {
      // This span stretched the session past the limit (at its start or its end).
      trip(g, Guard.SESSION_DURATION, (g.end - g.start) / 1e9, traceHigh, traceLow);
    }
  }

  /**
   * Evaluates the tool runs of the turns that got tool calls since the last call of this, and
   * returns the sessions that tripped a guard then (to be shown changed); the list is reused.
   */
  List<State> evaluate() {
    tripped.clear();
    for (int i = 0; i < dirty.size(); i++) {
      State g = dirty.get(i);
      int before = g.trips == null ? 0 : g.trips.size();
      evaluate(g);
      if (g.trips != null && g.trips.size() > before) {
        tripped.add(g);
      }
    }
    dirty.clear();
    return tripped;
  }

  /** Evaluates one session's pending tool runs now (it is being finalized). */
  void evaluate(State g) {
    if (!g.dirty) {
      return;
    }
    g.dirty = false;
    if (g.turns == null) {
      return;
    }
    for (Turn t : g.turns) {
      if (t == null || !t.dirty) {
        continue;
      }
      t.dirty = false;
      evaluate(g, t);
    }
  }

  /** The key cut to {@value #KEY_LOGGED} characters, control characters (a forged line) as '?'. */
  private static String loggable(String key) {
    String k = key.length() > KEY_LOGGED ? key.substring(0, KEY_LOGGED) + "..." : key;
    return k.replaceAll("\\p{Cntrl}", "?");
  }

  /**
   * Turn {@code id} was decided (its record reached the session): its runs are evaluated now, with
   * every call it has, and its state is let go (a call of it that comes later is late, counted for
   * the session guards only). A live session between turns holds no turn state.
   *
   * @return whether {@code g} holds nothing any more (no session guard is on, no turn of it is
   *     running, it tripped nothing): the session may let it go
   */
  boolean turnDone(State g, long id) {
    if (g.turns == null) {
      return idle(g);
    }
    boolean any = false;
    for (int i = 0; i < g.turns.length; i++) {
      Turn t = g.turns[i];
      if (t != null && t.id == id) {
        if (t.dirty) {
          t.dirty = false;
          evaluate(g, t);
        }
        g.turns[i] = null;
      } else {
        any |= t != null;
      }
    }
    if (!any) {
      g.turns = null;
    }
    return idle(g);
  }

  private boolean idle(State g) {
    return g.turns == null && g.trips == null && !g.dirty && !sessionGuards;
  }

  private void evaluate(State g, Turn t) {
    if (!t.repeatTripped) {
      int run = t.longestRun();
      if (run >= limits.toolRepeat()) {
        t.repeatTripped = true;
        trip(g, Guard.TOOL_REPEAT, run, t.traceHigh, t.traceLow);
      }
    }
  }

  private static long toolKey(CallRecord c) {
    if (c.toolArgsHash() == 0) {
      return 0;
    }
    long name = c.toolName() == null ? 0 : c.toolName().hashCode();
    long k = c.toolArgsHash() ^ (name * P1);
    k ^= k >>> 29;
    k *= 0xBF58476D1CE4E5B9L;
    k ^= k >>> 32;
    return k == 0 ? 1 : k;
  }

  /** The state of turn {@code id}, taking over the least recently used slot when it is new. */
  private Turn turn(State g, long id, long traceHigh, long traceLow) {
    if (g.turns == null) {
      g.turns = new Turn[limits.maxRunningTurns()];
    }
    int use = ++g.uses;
    for (Turn t : g.turns) {
      if (t != null && t.id == id) {
        t.lastUse = use;
        return t;
      }
    }
    int slot = 0;
    for (int i = 0; i < g.turns.length; i++) {
      Turn t = g.turns[i];
      if (t == null) {
        slot = i;
        break;
      }
      if (t.lastUse < g.turns[slot].lastUse) {
        slot = i;
      }
    }
    Turn free = g.turns[slot];
    if (free == null) {
      free = new Turn();
      g.turns[slot] = free;
    } else {
      turnsForgotten++; // a running turn's state taken over: if it comes back, it starts again
      if (free.dirty) {
        free.dirty = false;
        evaluate(g, free); // its last calls count before its slot is taken over
      }
    }
    free.reset(id, traceHigh, traceLow);
    free.lastUse = use;
    return free;
  }

  private void check(State g, Guard guard, long value, long limit, long traceHigh, long traceLow) {
    if (limit > 0 && value >= limit && !tripped(g, guard)) {
      trip(g, guard, value, traceHigh, traceLow);
    }
  }

  private static boolean tripped(State g, Guard guard) {
    return (g.tripped & (1 << guard.ordinal())) != 0;
  }

  private void trip(State g, Guard guard, double value, long traceHigh, long traceLow) {
    g.tripped |= 1 << guard.ordinal();
    double limit = limits.reported(guard);
    String key = g.owner.key();
    String service = g.owner.service();
    GuardTrip trip =
        new GuardTrip(
            guard,
            key,
            service,
            value,
            limit,
            String.format("%016x%016x", traceHigh, traceLow),
            epochNanos.getAsLong());
    if (g.trips == null) {
      g.trips = new ArrayList<>(2);
    }
    g.trips.add(trip);
    // Once per session and guard (per turn for the turn guards): no storm from one loop.
    LOG.warn(
        "runaway guard {} tripped: session '{}' (service {}) reached {} (limit {}), trace {}",
        guard.label(),
        loggable(key),
        service,
        value,
        limit,
        trip.traceId());
    listener.guardTripped(trip);
  }
}
