package hermes.collector.semconv;

import java.nio.charset.StandardCharsets;

/**
 * Every attribute key the normalizer reads, from all the conventions it understands. Each key's
 * UTF-8 bytes are kept so spans are matched against them without decoding the span's keys.
 */
enum Key {
  // What a span is.
  HERMES_SPAN_KIND("hermes.span.kind"),
  GEN_AI_OPERATION_NAME("gen_ai.operation.name"),
  OPENINFERENCE_SPAN_KIND("openinference.span.kind"),
  TRACELOOP_SPAN_KIND("traceloop.span.kind"),
  LLM_REQUEST_TYPE("llm.request.type"),
  // Session key, first match wins.
  HERMES_SESSION_ID("hermes.session.id"),
  GEN_AI_CONVERSATION_ID("gen_ai.conversation.id"),
  SESSION_ID("session.id"),
  LANGFUSE_SESSION_ID("langfuse.session.id"),
  TRACELOOP_SESSION_ID("traceloop.association.properties.session_id"),
  TRACELOOP_CHAT_ID("traceloop.association.properties.chat_id"),
  // Model.
  GEN_AI_RESPONSE_MODEL("gen_ai.response.model"),
  GEN_AI_REQUEST_MODEL("gen_ai.request.model"),
  LLM_RESPONSE_MODEL("llm.response.model_name"),
  LLM_MODEL_NAME("llm.model_name"),
  LLM_REQUEST_MODEL_NAME("llm.request.model_name"),
  // Provider.
  GEN_AI_PROVIDER_NAME("gen_ai.provider.name"),
  HERMES_PROVIDER("hermes.provider"),
  GEN_AI_SYSTEM("gen_ai.system"),
  LLM_PROVIDER("llm.provider"),
  LLM_SYSTEM("llm.system"),
  // Tokens.
  GEN_AI_USAGE_INPUT_TOKENS("gen_ai.usage.input_tokens"),
  GEN_AI_USAGE_PROMPT_TOKENS("gen_ai.usage.prompt_tokens"),
  LLM_TOKEN_COUNT_PROMPT("llm.token_count.prompt"),
  GEN_AI_USAGE_OUTPUT_TOKENS("gen_ai.usage.output_tokens"),
  GEN_AI_USAGE_COMPLETION_TOKENS("gen_ai.usage.completion_tokens"),
  LLM_TOKEN_COUNT_COMPLETION("llm.token_count.completion"),
  GEN_AI_USAGE_CACHE_READ("gen_ai.usage.cache_read.input_tokens"),
  GEN_AI_USAGE_CACHE_READ_LEGACY("gen_ai.usage.cache_read_input_tokens"),
  HERMES_CACHE_READ("hermes.cache.read_tokens"),
  LLM_TOKEN_COUNT_CACHE_READ("llm.token_count.prompt_details.cache_read"),
  GEN_AI_USAGE_CACHE_WRITE("gen_ai.usage.cache_creation.input_tokens"),
  GEN_AI_USAGE_CACHE_WRITE_LEGACY("gen_ai.usage.cache_creation_input_tokens"),
  HERMES_CACHE_WRITE("hermes.cache.write_tokens"),
  LLM_TOKEN_COUNT_CACHE_WRITE("llm.token_count.prompt_details.cache_write"),
  GEN_AI_USAGE_REASONING("gen_ai.usage.reasoning.output_tokens"),
  GEN_AI_USAGE_REASONING_LEGACY("gen_ai.usage.reasoning_tokens"),
  HERMES_REASONING("hermes.reasoning_tokens"),
  LLM_TOKEN_COUNT_REASONING("llm.token_count.completion_details.reasoning"),
  // Cost reported by the agent.
  LLM_COST_TOTAL("llm.cost.total"),
  GEN_AI_USAGE_COST("gen_ai.usage.cost"),
  // Finish reasons.
  GEN_AI_RESPONSE_FINISH_REASONS("gen_ai.response.finish_reasons"),
  LLM_RESPONSE_FINISH_REASON("llm.response.finish_reason"),
  LLM_FINISH_REASON("llm.finish_reason"),
  GEN_AI_COMPLETION_0_FINISH_REASON("gen_ai.completion.0.finish_reason"),
  // Tools.
  GEN_AI_TOOL_NAME("gen_ai.tool.name"),
  HERMES_TOOL_NAME("hermes.tool.name"),
  TOOL_NAME("tool.name"),
  TRACELOOP_ENTITY_NAME("traceloop.entity.name"),
  HERMES_TOOL_OUTCOME("hermes.tool.outcome"),
  // Content (kept only with sessions.capture_content, never in metrics).
  HERMES_TURN_USER_MESSAGE("hermes.turn.user_message"),
  GEN_AI_INPUT_MESSAGES("gen_ai.input.messages"),
  HERMES_TOOL_ARGS("hermes.tool.args"),
  GEN_AI_TOOL_CALL_ARGUMENTS("gen_ai.tool.call.arguments"),
  HERMES_TOOL_RESULT("hermes.tool.result"),
  GEN_AI_TOOL_CALL_RESULT("gen_ai.tool.call.result"),
  INPUT_VALUE("input.value"),
  OUTPUT_VALUE("output.value"),
  // Context.
  HERMES_PLATFORM("hermes.platform"),
  HERMES_TURN_INDEX("hermes.turn.index"),
  HERMES_SESSION_COMPLETED("hermes.session.completed"),
  HERMES_SESSION_INTERRUPTED("hermes.session.interrupted"),
  // Errors.
  ERROR_TYPE("error.type"),
  HTTP_RESPONSE_STATUS_CODE("http.response.status_code");

  static final Key[] VALUES = values();

  final String name;
  final byte[] utf8;

  Key(String name) {
    this.name = name;
    this.utf8 = name.getBytes(StandardCharsets.UTF_8);
  }
}
