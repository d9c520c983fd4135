package hermes.collector.semconv;

/**
 * OpenLLMetry (Traceloop): {@code traceloop.span.kind} = workflow / task / agent / tool, and LLM
 * calls marked by {@code llm.request.type} = chat / completion / embedding / rerank.
 */
final class OpenLlmetryConvention {
  private static final RoleTable KINDS =
      new RoleTable(
          "workflow", Role.CHAIN, "task", Role.CHAIN, "agent", Role.AGENT, "tool", Role.TOOL);
  private static final RoleTable REQUEST_TYPES =
      new RoleTable(
          "chat",
          Role.LLM,
          "completion",
          Role.LLM,
          "embedding",
          Role.EMBEDDING,
          "rerank",
          Role.RERANKER);

  private OpenLlmetryConvention() {}

  /** The role, or null when the span carries neither Traceloop key. */
  static Role role(KeyIndex k) {
    int kind = k.at(Key.TRACELOOP_SPAN_KIND);
    Role r = kind >= 0 ? KINDS.lookup(k.attributes(), kind) : null;
    if (r != null) {
      return r;
    }
    int type = k.at(Key.LLM_REQUEST_TYPE);
    r = type >= 0 ? REQUEST_TYPES.lookup(k.attributes(), type) : null;
    if (r != null) {
      return r;
    }
    return kind >= 0 || type >= 0 ? Role.OTHER : null;
  }
}
