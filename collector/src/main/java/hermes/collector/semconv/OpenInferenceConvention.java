package hermes.collector.semconv;

import hermes.collector.proto.Attributes;

/** OpenInference (Arize Phoenix): the role from {@code openinference.span.kind}. */
final class OpenInferenceConvention {
  private static final byte[] LLM = Values.ascii("llm");
  private static final byte[] EMBEDDING = Values.ascii("embedding");
  private static final byte[] CHAIN = Values.ascii("chain");
  private static final byte[] RETRIEVER = Values.ascii("retriever");
  private static final byte[] RERANKER = Values.ascii("reranker");
  private static final byte[] TOOL = Values.ascii("tool");
  private static final byte[] AGENT = Values.ascii("agent");
  private static final byte[] GUARDRAIL = Values.ascii("guardrail");

  private OpenInferenceConvention() {}

  /** The role, or null when the span does not carry {@code openinference.span.kind}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.OPENINFERENCE_SPAN_KIND);
    if (i < 0) {
      return null;
    }
    Attributes a = k.attributes();
    if (Values.is(a, i, LLM)) {
      return Role.LLM;
    }
    if (Values.is(a, i, TOOL)) {
      return Role.TOOL;
    }
    if (Values.is(a, i, AGENT)) {
      return Role.AGENT;
    }
    if (Values.is(a, i, CHAIN)) {
      return Role.CHAIN;
    }
    if (Values.is(a, i, EMBEDDING)) {
      return Role.EMBEDDING;
    }
    if (Values.is(a, i, RETRIEVER)) {
      return Role.RETRIEVER;
    }
    if (Values.is(a, i, RERANKER)) {
      return Role.RERANKER;
    }
    if (Values.is(a, i, GUARDRAIL)) {
      return Role.GUARDRAIL;
    }
    return Role.OTHER; // EVALUATOR, PROMPT, UNKNOWN
  }
}
