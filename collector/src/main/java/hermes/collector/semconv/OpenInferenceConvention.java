package hermes.collector.semconv;

/** OpenInference (Arize Phoenix): the role from {@code openinference.span.kind}. */
final class OpenInferenceConvention {
  private static final RoleTable KINDS =
      new RoleTable(
          "llm", Role.LLM,
          "tool", Role.TOOL,
          "agent", Role.AGENT,
          "chain", Role.CHAIN,
          "embedding", Role.EMBEDDING,
          "retriever", Role.RETRIEVER,
          "reranker", Role.RERANKER,
          "guardrail", Role.GUARDRAIL);

  private OpenInferenceConvention() {}

  /** The role, or null when the span does not carry {@code openinference.span.kind}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.OPENINFERENCE_SPAN_KIND);
    if (i < 0) {
      return null;
    }
    Role r = KINDS.lookup(k.attributes(), i);
    return r != null ? r : Role.OTHER; // EVALUATOR, PROMPT, UNKNOWN
  }
}
