package hermes.collector.semconv;

import hermes.collector.proto.SpanView;

/**
 * The last resort: the span name ({@code hermes.session}, {@code hermes.turn}, {@code
 * hermes.tool.*}, {@code chat *}, {@code execute_tool *}, {@code invoke_agent*}), then usage keys
 * (a span reporting a model and token usage is an LLM call, as OpenLLMetry's provider spans are).
 */
final class SpanNameConvention {
  static final byte[] HERMES_SESSION = Values.ascii("hermes.session");
  static final byte[] HERMES_TURN = Values.ascii("hermes.turn");
  static final byte[] HERMES_TOOL = Values.ascii("hermes.tool.");
  static final byte[] CHAT = Values.ascii("chat ");
  static final byte[] EXECUTE_TOOL = Values.ascii("execute_tool ");
  static final byte[] INVOKE_AGENT = Values.ascii("invoke_agent");
  static final byte[] TOOL_DOT = Values.ascii("tool.");

  private SpanNameConvention() {}

  static Role role(KeyIndex k, SpanView s) {
    if (s.nameEquals(HERMES_SESSION)) {
      return Role.SESSION;
    }
    if (s.nameEquals(HERMES_TURN)) {
      return Role.TURN;
    }
    if (s.nameStartsWith(HERMES_TOOL) || s.nameStartsWith(EXECUTE_TOOL)) {
      return Role.TOOL;
    }
    if (s.nameStartsWith(CHAT)) {
      return Role.LLM;
    }
    if (s.nameStartsWith(INVOKE_AGENT)) {
      return Role.AGENT;
    }
    boolean model =
        k.first(Key.GEN_AI_RESPONSE_MODEL, Key.GEN_AI_REQUEST_MODEL, Key.LLM_MODEL_NAME) >= 0;
    boolean usage =
        k.first(
                Key.GEN_AI_USAGE_INPUT_TOKENS,
                Key.GEN_AI_USAGE_PROMPT_TOKENS,
                Key.LLM_TOKEN_COUNT_PROMPT,
                Key.GEN_AI_USAGE_OUTPUT_TOKENS,
                Key.GEN_AI_USAGE_COMPLETION_TOKENS,
                Key.LLM_TOKEN_COUNT_COMPLETION)
            >= 0;
    return model && usage ? Role.LLM : Role.OTHER;
  }
}
