package hermes.collector.semconv;

import hermes.collector.proto.Attributes;

/**
 * The hermes-agent OpenTelemetry plugin: {@code hermes.span.kind} = AGENT (the session root), CHAIN
 * (a turn), LLM, TOOL, and the reserved EMBEDDING, RETRIEVER, RERANKER. Its token counts use
 * hermes-agent's own usage record, where input excludes cached tokens.
 */
final class HermesConvention {
  private static final byte[] AGENT = Values.ascii("agent");
  private static final byte[] CHAIN = Values.ascii("chain");
  private static final byte[] LLM = Values.ascii("llm");
  private static final byte[] TOOL = Values.ascii("tool");
  private static final byte[] EMBEDDING = Values.ascii("embedding");
  private static final byte[] RETRIEVER = Values.ascii("retriever");
  private static final byte[] RERANKER = Values.ascii("reranker");

  private HermesConvention() {}

  /** The role, or null when the span does not carry {@code hermes.span.kind}. */
  static Role role(KeyIndex k) {
    int i = k.at(Key.HERMES_SPAN_KIND);
    if (i < 0) {
      return null;
    }
    Attributes a = k.attributes();
    if (Values.is(a, i, AGENT)) {
      return Role.SESSION;
    }
    if (Values.is(a, i, CHAIN)) {
      return Role.TURN;
    }
    if (Values.is(a, i, LLM)) {
      return Role.LLM;
    }
    if (Values.is(a, i, TOOL)) {
      return Role.TOOL;
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
    return Role.OTHER;
  }

  /** Whether a span's token counts follow hermes-agent's usage record (input without cache). */
  static boolean writesUncachedInput(KeyIndex k) {
    return k.has(Key.HERMES_SPAN_KIND)
        || k.has(Key.HERMES_CACHE_READ)
        || k.has(Key.HERMES_CACHE_WRITE);
  }
}
