package hermes.collector.session;

import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;

/**
 * What a session keeps of one LLM, embedding or tool call: enough for totals and the session tree,
 * nothing of the content. Immutable.
 *
 * @param role LLM, EMBEDDING or TOOL
 * @param spanId the call's span id
 * @param startNanos start, ns since the epoch
 * @param durationNanos duration in ns
 * @param model the model (calls), or null
 * @param provider the provider (calls), or null
 * @param inputTokens all input tokens
 * @param outputTokens all output tokens
 * @param cacheReadTokens cache reads (part of input)
 * @param cacheWriteTokens cache writes (part of input)
 * @param reasoningTokens reasoning (part of output)
 * @param costPico the cost in pico-dollars, or -1 when unpriced
 * @param finishReason the first finish reason, or null
 * @param errorType the error class, or null
 * @param toolName the tool (tools), or null
 * @param toolStatus the tool's outcome (tools), or null
 * @param toolArgs the tool's arguments, cut ({@code sessions.capture_content}), or null
 * @param toolResult the tool's result, cut ({@code sessions.capture_content}), or null
 * @param toolArgsHash the tool's arguments as a hash (for {@code guards.tool_repeat}), 0 for none;
 *     not kept in the session's log: it is used when the call arrives, never shown
 */
public record CallRecord(
    Role role,
    long spanId,
    long startNanos,
    long durationNanos,
    String model,
    String provider,
    int inputTokens,
    int outputTokens,
    int cacheReadTokens,
    int cacheWriteTokens,
    int reasoningTokens,
    long costPico,
    String finishReason,
    String errorType,
    String toolName,
    ToolStatus toolStatus,
    String toolArgs,
    String toolResult,
    long toolArgsHash) {

  /** A call with captured content and no arguments hash. */
  public CallRecord(
      Role role,
      long spanId,
      long startNanos,
      long durationNanos,
      String model,
      String provider,
      int inputTokens,
      int outputTokens,
      int cacheReadTokens,
      int cacheWriteTokens,
      int reasoningTokens,
      long costPico,
      String finishReason,
      String errorType,
      String toolName,
      ToolStatus toolStatus,
      String toolArgs,
      String toolResult) {
    this(
        role,
        spanId,
        startNanos,
        durationNanos,
        model,
        provider,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        reasoningTokens,
        costPico,
        finishReason,
        errorType,
        toolName,
        toolStatus,
        toolArgs,
        toolResult,
        0);
  }

  /** A call without captured content. */
  public CallRecord(
      Role role,
      long spanId,
      long startNanos,
      long durationNanos,
      String model,
      String provider,
      int inputTokens,
      int outputTokens,
      int cacheReadTokens,
      int cacheWriteTokens,
      int reasoningTokens,
      long costPico,
      String finishReason,
      String errorType,
      String toolName,
      ToolStatus toolStatus) {
    this(
        role,
        spanId,
        startNanos,
        durationNanos,
        model,
        provider,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        reasoningTokens,
        costPico,
        finishReason,
        errorType,
        toolName,
        toolStatus,
        null,
        null);
  }

  /** Whether {@code role} is kept as a call (LLM, embedding, tool). */
  static boolean isCall(Role role) {
    return role == Role.LLM || role == Role.EMBEDDING || role == Role.TOOL;
  }

  static CallRecord of(AgentSpan s, long costPico) {
    return new CallRecord(
        s.role(),
        s.spanId(),
        s.startNanos(),
        s.durationNanos(),
        s.model(),
        s.provider(),
        clamp(s.inputTokens()),
        clamp(s.outputTokens()),
        clamp(s.cacheReadTokens()),
        clamp(s.cacheWriteTokens()),
        clamp(s.reasoningTokens()),
        costPico,
        s.finishReason(),
        s.errorType(),
        s.toolName(),
        s.toolStatus(),
        s.toolArgs(),
        s.toolResult(),
        s.toolArgsHash());
  }

  private static int clamp(long v) {
    return (int) Math.min(Integer.MAX_VALUE, v);
  }

  /** Whether this is a model call (LLM or embedding). */
  public boolean isModelCall() {
    return role == Role.LLM || role == Role.EMBEDDING;
  }

  /** Input plus output tokens. */
  public long totalTokens() {
    return (long) inputTokens + outputTokens;
  }
}
