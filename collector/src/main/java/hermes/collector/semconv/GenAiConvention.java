package hermes.collector.semconv;

/** OpenTelemetry GenAI semantic conventions: the role from {@code gen_ai.operation.name}. */
final class GenAiConvention {
  private static final RoleTable OPERATIONS =
      new RoleTable(
          "chat", Role.LLM,
          "text_completion", Role.LLM,
          "generate_content", Role.LLM,
          "embeddings", Role.EMBEDDING,
          "execute_tool", Role.TOOL,
          "invoke_agent", Role.AGENT,
          "create_agent", Role.AGENT,
          "invoke_workflow", Role.CHAIN,
          "plan", Role.CHAIN,
          "retrieval", Role.RETRIEVER);

  private GenAiConvention() {}

  /** The role, or null when the span does not carry {@code gen_ai.operation.name}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.GEN_AI_OPERATION_NAME);
    if (i < 0) {
      return null;
    }
    Role r = OPERATIONS.lookup(k.attributes(), i);
    return r != null ? r : Role.OTHER;
  }
}
