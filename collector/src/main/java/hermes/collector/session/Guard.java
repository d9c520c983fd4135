package hermes.collector.session;

import java.util.Locale;

/**
 * The runaway guards ({@code guards.*}): limits on one live session, checked on every call that
 * reaches it. Each trips at most once per session, the turn guards at most once per turn.
 */
public enum Guard {
  /** The same tool with identical arguments this many times in a row within a turn. */
  TOOL_REPEAT,
  /** LLM calls in one turn. */
  TURN_LLM_CALLS,
  /** LLM calls in the session. */
  SESSION_LLM_CALLS,
  /** Tokens (input plus output) in the session. */
  SESSION_TOKENS,
  /** Cost in USD of the session. */
  SESSION_COST_USD,
  /** Wall time of the session, in seconds, from its first span to its latest end. */
  SESSION_DURATION;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The name in config keys ({@code guards.<label>}), metric labels and the API. */
  public String label() {
    return label;
  }
}
