package hermes.collector.semconv;

import hermes.collector.proto.Attributes;

/**
 * OpenLLMetry (Traceloop): {@code traceloop.span.kind} = workflow / task / agent / tool, and LLM
 * calls marked by {@code llm.request.type} = chat / completion / embedding / rerank.
 */
final class OpenLlmetryConvention {
  private static final byte[] WORKFLOW = Values.ascii("workflow");
  private static final byte[] TASK = Values.ascii("task");
  private static final byte[] AGENT = Values.ascii("agent");
  private static final byte[] TOOL = Values.ascii("tool");
  private static final byte[][] LLM = {Values.ascii("chat"), Values.ascii("completion")};
  private static final byte[] EMBEDDING = Values.ascii("embedding");
  private static final byte[] RERANK = Values.ascii("rerank");

  private OpenLlmetryConvention() {}

  /** The role, or null when the span carries neither Traceloop key. */
  static Role role(KeyIndex k) {
    Attributes a = k.attributes();
    int kind = k.at(Key.TRACELOOP_SPAN_KIND);
    if (kind >= 0) {
      if (Values.is(a, kind, WORKFLOW) || Values.is(a, kind, TASK)) {
        return Role.CHAIN;
      }
      if (Values.is(a, kind, AGENT)) {
        return Role.AGENT;
      }
      if (Values.is(a, kind, TOOL)) {
        return Role.TOOL;
      }
    }
    int type = k.at(Key.LLM_REQUEST_TYPE);
    if (type >= 0) {
      if (GenAiConvention.any(a, type, LLM)) {
        return Role.LLM;
      }
      if (Values.is(a, type, EMBEDDING)) {
        return Role.EMBEDDING;
      }
      if (Values.is(a, type, RERANK)) {
        return Role.RERANKER;
      }
    }
    return kind >= 0 || type >= 0 ? Role.OTHER : null;
  }
}
