package hermes.collector.semconv;

/**
 * The hermes-agent OpenTelemetry plugin: {@code hermes.span.kind} = AGENT (the session root), CHAIN
 * (a turn), LLM, TOOL, and the reserved EMBEDDING, RETRIEVER, RERANKER. Its token counts use
 * hermes-agent's own usage record, where input excludes cached tokens.
 */
final class HermesConvention {
  private static final RoleTable KINDS =
      new RoleTable(
          "agent", Role.SESSION,
          "chain", Role.TURN,
          "llm", Role.LLM,
          "tool", Role.TOOL,
          "embedding", Role.EMBEDDING,
          "retriever", Role.RETRIEVER,
          "reranker", Role.RERANKER);

  private HermesConvention() {}

  /** The role, or null when the span does not carry {@code hermes.span.kind}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.HERMES_SPAN_KIND);
    if (i < 0) {
      return null;
    }
    Role r = KINDS.lookup(k.attributes(), i);
    return r != null ? r : Role.OTHER;
  }

  /** Whether a span's token counts follow hermes-agent's usage record (input without cache). */
  static boolean writesUncachedInput(KeyIndex k) {
    return k.has(Key.HERMES_SPAN_KIND)
        || k.has(Key.HERMES_CACHE_READ)
        || k.has(Key.HERMES_CACHE_WRITE);
  }
}
