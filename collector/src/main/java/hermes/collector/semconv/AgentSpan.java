package hermes.collector.semconv;

/**
 * One span as the agent model understands it, whatever convention wrote it. Immutable; the only
 * per-span allocation of the normalizer. Strings are interned (bounded tables) except the session
 * key, which is shared by the spans of one session through a per-thread cache.
 *
 * @param role what the span is (before the tree decides SESSION/TURN for AGENT/CHAIN spans)
 * @param convention which convention recognized it
 * @param traceIdHigh high 8 bytes of the trace id
 * @param traceIdLow low 8 bytes of the trace id
 * @param spanId the span id
 * @param parentSpanId the parent span id, 0 for a root
 * @param sessionKey the session key from an attribute, or null (then inherited from the tree)
 * @param startNanos start, ns since the epoch
 * @param endNanos end, ns since the epoch
 * @param error whether the span failed
 * @param errorType for LLM calls rate_limit, context_too_long, timeout or api_error; for tools
 *     timeout, the span's {@code error.type} or "error"; null when not failed
 * @param model the model, or null
 * @param provider the provider, lower-cased with legacy names mapped, or null
 * @param inputTokens all input tokens, cached ones included (normalized, see the spec's section 4)
 * @param outputTokens all output tokens, reasoning included
 * @param cacheReadTokens input tokens read from cache (part of input)
 * @param cacheWriteTokens input tokens written to cache (part of input)
 * @param reasoningTokens reasoning tokens (part of output)
 * @param reportedCostUsd the cost the agent reported, or NaN
 * @param finishReason the first finish reason, or null
 * @param toolName the tool's name, or null
 * @param toolStatus the tool's outcome, or null for non-tools
 * @param platform {@code hermes.platform}, or null
 * @param turnIndex {@code hermes.turn.index}, or -1
 * @param service the resource's {@code service.name}, or null
 * @param userMessage the user message of a turn (content capture only), or null
 * @param toolArgs a tool call's arguments (content capture only), or null
 * @param toolResult a tool call's result (content capture only), or null
 * @param sessionOutcome for session spans: "completed", "interrupted", "error" or null
 * @param tokensCorrected whether the safety net of section 4 changed the token counts
 * @param toolArgsHash a tool call's arguments as a 64-bit hash ({@link ToolArgsHash}), for the
 *     runaway guards; 0 when the call has none (or is no tool call). The text itself is never kept
 */
public record AgentSpan(
    Role role,
    Convention convention,
    long traceIdHigh,
    long traceIdLow,
    long spanId,
    long parentSpanId,
    String sessionKey,
    long startNanos,
    long endNanos,
    boolean error,
    String errorType,
    String model,
    String provider,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheWriteTokens,
    long reasoningTokens,
    double reportedCostUsd,
    String finishReason,
    String toolName,
    ToolStatus toolStatus,
    String platform,
    int turnIndex,
    String service,
    String sessionOutcome,
    boolean tokensCorrected,
    String userMessage,
    String toolArgs,
    String toolResult,
    long toolArgsHash) {

  /** A span without captured content ({@code sessions.capture_content} off). */
  public AgentSpan(
      Role role,
      Convention convention,
      long traceIdHigh,
      long traceIdLow,
      long spanId,
      long parentSpanId,
      String sessionKey,
      long startNanos,
      long endNanos,
      boolean error,
      String errorType,
      String model,
      String provider,
      long inputTokens,
      long outputTokens,
      long cacheReadTokens,
      long cacheWriteTokens,
      long reasoningTokens,
      double reportedCostUsd,
      String finishReason,
      String toolName,
      ToolStatus toolStatus,
      String platform,
      int turnIndex,
      String service,
      String sessionOutcome,
      boolean tokensCorrected) {
    this(
        role,
        convention,
        traceIdHigh,
        traceIdLow,
        spanId,
        parentSpanId,
        sessionKey,
        startNanos,
        endNanos,
        error,
        errorType,
        model,
        provider,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        reasoningTokens,
        reportedCostUsd,
        finishReason,
        toolName,
        toolStatus,
        platform,
        turnIndex,
        service,
        sessionOutcome,
        tokensCorrected,
        null,
        null,
        null,
        0);
  }

  /** Duration in nanoseconds (0 when the end precedes the start). */
  public long durationNanos() {
    return Math.max(0, endNanos - startNanos);
  }

  /** This span with {@code provider} as its provider (the price table's, when it named none). */
  public AgentSpan withProvider(String provider) {
    return new AgentSpan(
        role,
        convention,
        traceIdHigh,
        traceIdLow,
        spanId,
        parentSpanId,
        sessionKey,
        startNanos,
        endNanos,
        error,
        errorType,
        model,
        provider,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        reasoningTokens,
        reportedCostUsd,
        finishReason,
        toolName,
        toolStatus,
        platform,
        turnIndex,
        service,
        sessionOutcome,
        tokensCorrected,
        userMessage,
        toolArgs,
        toolResult,
        toolArgsHash);
  }

  /** Whether the span has a parent. */
  public boolean hasParent() {
    return parentSpanId != 0;
  }

  /** The trace id in lower-case hex (allocates). */
  public String traceIdHex() {
    return String.format("%016x%016x", traceIdHigh, traceIdLow);
  }

  /** The span id in lower-case hex (allocates). */
  public String spanIdHex() {
    return String.format("%016x", spanId);
  }
}
