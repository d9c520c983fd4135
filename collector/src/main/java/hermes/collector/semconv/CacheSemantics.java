package hermes.collector.semconv;

import java.util.Locale;

/**
 * Whether a convention's input token count already includes cached tokens ({@code
 * semconv.<convention>.includes_cache}). AUTO follows the conventions spec: hermes-agent's usage
 * record excludes them, OTel GenAI, OpenInference and OpenLLMetry include them.
 */
public enum CacheSemantics {
  /** The convention's documented behaviour. */
  AUTO,
  /** Input includes cache reads and writes. */
  TRUE,
  /** Input excludes them: they are added to it. */
  FALSE;

  /** Parses {@code auto|true|false}; null for anything else. */
  public static CacheSemantics parse(String s) {
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "auto":
        return AUTO;
      case "true":
        return TRUE;
      case "false":
        return FALSE;
      default:
        return null;
    }
  }
}
