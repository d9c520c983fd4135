package hermes.collector.metrics;

/**
 * What the reference plugin ({@code hermes-plugin-otel-tracing} 0.1.1, meter scope {@code
 * hermes-agent.otel_tracing} version {@code 0.1.0}) really sends on its seven instruments, mapped
 * to what its manual's PromQL (seed 003, part 3) queries:
 *
 * <ul>
 *   <li>The three duration histograms declare unit {@code ms}, which would make them {@code
 *       *_milliseconds}; the manual queries {@code *_seconds}. {@code hermes.tool.duration} and
 *       {@code hermes.turn.duration} do record milliseconds, so they are scaled to seconds; {@code
 *       gen_ai.client.operation.duration} records seconds despite its unit (the plugin passes the
 *       API duration in seconds), so it is renamed only.
 *   <li>Its metric attributes carry a {@code hermes.} prefix ({@code hermes.gen_ai.token.type},
 *       ...); the manual groups by {@code gen_ai_token_type}, so {@code hermes.gen_ai.*} keys lose
 *       the prefix.
 * </ul>
 *
 * Only that scope name and version are touched: a later plugin that fixes its units is bridged by
 * the plain rules (names then say {@code _milliseconds}: visible, never silently off by 1000).
 *
 * <p>Threading: stateless.
 */
final class PluginQuirks {
  static final String SCOPE = "hermes-agent.otel_tracing";
  static final String SCOPE_VERSION = "0.1.0";
  private static final String PREFIX = "hermes.gen_ai.";

  private PluginQuirks() {}

  /** Whether the scope is the reference plugin's meter with the known quirks. */
  static boolean applies(String scopeName, String scopeVersion) {
    return SCOPE.equals(scopeName) && SCOPE_VERSION.equals(scopeVersion);
  }

  /** The unit to name the metric by. */
  static String unit(String metric, String unit) {
    return isMillisDuration(metric, unit) || isSecondsInMillis(metric, unit) ? "s" : unit;
  }

  /** The factor from the sent values to the named unit. */
  static double scale(String metric, String unit) {
    return isMillisDuration(metric, unit) ? 0.001 : 1;
  }

  /** The attribute key to label by. */
  static String key(String key) {
    return key.startsWith(PREFIX) ? key.substring("hermes.".length()) : key;
  }

  private static boolean isMillisDuration(String metric, String unit) {
    return "ms".equals(unit)
        && ("hermes.tool.duration".equals(metric) || "hermes.turn.duration".equals(metric));
  }

  private static boolean isSecondsInMillis(String metric, String unit) {
    return "ms".equals(unit) && "gen_ai.client.operation.duration".equals(metric);
  }
}
