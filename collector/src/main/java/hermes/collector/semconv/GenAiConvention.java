package hermes.collector.semconv;

import hermes.collector.proto.Attributes;

/** OpenTelemetry GenAI semantic conventions: the role from {@code gen_ai.operation.name}. */
final class GenAiConvention {
  private static final byte[][] LLM = {
    Values.ascii("chat"), Values.ascii("text_completion"), Values.ascii("generate_content")
  };
  private static final byte[] EMBEDDINGS = Values.ascii("embeddings");
  private static final byte[] EXECUTE_TOOL = Values.ascii("execute_tool");
  private static final byte[][] AGENT = {
    Values.ascii("invoke_agent"), Values.ascii("create_agent")
  };
  private static final byte[][] CHAIN = {Values.ascii("invoke_workflow"), Values.ascii("plan")};
  private static final byte[] RETRIEVAL = Values.ascii("retrieval");

  private GenAiConvention() {}

  /** The role, or null when the span does not carry {@code gen_ai.operation.name}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.GEN_AI_OPERATION_NAME);
    if (i < 0) {
      return null;
    }
    Attributes a = k.attributes();
    if (any(a, i, LLM)) {
      return Role.LLM;
    }
    if (Values.is(a, i, EMBEDDINGS)) {
      return Role.EMBEDDING;
    }
    if (Values.is(a, i, EXECUTE_TOOL)) {
      return Role.TOOL;
    }
    if (any(a, i, AGENT)) {
      return Role.AGENT;
    }
    if (any(a, i, CHAIN)) {
      return Role.CHAIN;
    }
    if (Values.is(a, i, RETRIEVAL)) {
      return Role.RETRIEVER;
    }
    return Role.OTHER;
  }

  static boolean any(Attributes a, int i, byte[][] values) {
    for (byte[] v : values) {
      if (Values.is(a, i, v)) {
        return true;
      }
    }
    return false;
  }
}
