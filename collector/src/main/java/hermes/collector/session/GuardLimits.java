package hermes.collector.session;

/**
 * The limits of the runaway guards ({@code guards.*}), in the units the assembler counts in; 0
 * turns a guard off. Immutable.
 *
 * @param toolRepeat the same tool with identical arguments this many times in a row within a turn
 * @param turnLlmCalls LLM calls in one turn
 * @param sessionLlmCalls LLM calls in the session
 * @param sessionTokens input plus output tokens in the session
 * @param sessionCostPico the session's cost, in pico-dollars
 * @param sessionDurationNanos the session's first start to its latest end, in ns
 * @param maxRunningTurns turns per session whose guard state is kept at once ({@code
 *     guards.max_running_turns}); a further one takes over the least recently used
 * @param maxToolCallsPerTurn tool calls per turn kept to find runs in ({@code
 *     guards.max_tool_calls_per_turn}); past it the earliest half is forgotten
 */
public record GuardLimits(
    int toolRepeat,
    int turnLlmCalls,
    long sessionLlmCalls,
    long sessionTokens,
    long sessionCostPico,
    long sessionDurationNanos,
    int maxRunningTurns,
    int maxToolCallsPerTurn) {

  /** The default of {@code guards.max_running_turns}. */
  public static final int DEFAULT_MAX_RUNNING_TURNS = 4;

  /** The default of {@code guards.max_tool_calls_per_turn}. */
  public static final int DEFAULT_MAX_TOOL_CALLS_PER_TURN = 1024;

  /** Every guard off. */
  public static final GuardLimits OFF = new GuardLimits(0, 0, 0, 0, 0, 0);

  /** Checks the values. */
  public GuardLimits {
    if (toolRepeat < 0
        || turnLlmCalls < 0
        || sessionLlmCalls < 0
        || sessionTokens < 0
        || sessionCostPico < 0
        || sessionDurationNanos < 0) {
      throw new IllegalArgumentException("guard limits must be >= 0 (0 = off)");
    }
    if (maxRunningTurns < 1 || maxToolCallsPerTurn < 16) {
      throw new IllegalArgumentException(
          "guard state bounds: maxRunningTurns >= 1, maxToolCallsPerTurn >= 16");
    }
  }

  /** These limits with the default state bounds. */
  public GuardLimits(
      int toolRepeat,
      int turnLlmCalls,
      long sessionLlmCalls,
      long sessionTokens,
      long sessionCostPico,
      long sessionDurationNanos) {
    this(
        toolRepeat,
        turnLlmCalls,
        sessionLlmCalls,
        sessionTokens,
        sessionCostPico,
        sessionDurationNanos,
        DEFAULT_MAX_RUNNING_TURNS,
        DEFAULT_MAX_TOOL_CALLS_PER_TURN);
  }

  /**
   * The limits from the configuration's units.
   *
   * @param sessionCostUsd dollars
   * @param sessionDuration the duration, {@link java.time.Duration#ZERO} for off
   */
  public static GuardLimits of(
      int toolRepeat,
      int turnLlmCalls,
      long sessionLlmCalls,
      long sessionTokens,
      double sessionCostUsd,
      java.time.Duration sessionDuration,
      int maxRunningTurns,
      int maxToolCallsPerTurn) {
    return new GuardLimits(
        toolRepeat,
        turnLlmCalls,
        sessionLlmCalls,
        sessionTokens,
        Math.round(sessionCostUsd * 1e12),
        sessionDuration.toNanos(),
        maxRunningTurns,
        maxToolCallsPerTurn);
  }

  /** Whether any guard is on (when none is, the assembler keeps no guard state at all). */
  public boolean any() {
    return toolRepeat > 0
        || turnLlmCalls > 0
        || sessionLlmCalls > 0
        || sessionTokens > 0
        || sessionCostPico > 0
        || sessionDurationNanos > 0;
  }

  /** The limit of {@code g} as a trip reports it: a count, tokens, USD or seconds. */
  double reported(Guard g) {
    return switch (g) {
      case TOOL_REPEAT -> toolRepeat;
      case TURN_LLM_CALLS -> turnLlmCalls;
      case SESSION_LLM_CALLS -> sessionLlmCalls;
      case SESSION_TOKENS -> sessionTokens;
      case SESSION_COST_USD -> sessionCostPico / 1e12;
      case SESSION_DURATION -> sessionDurationNanos / 1e9;
    };
  }
}
