package hermes.collector.session;

/**
 * Running totals of calls: counts, tokens by type, cost. Mutable, single-threaded (owned by a
 * shard); copied into the immutable records.
 */
public final class Totals {
  long llmCalls;
  long toolCalls;
  long toolErrors;
  long llmErrors;
  long inputTokens;
  long outputTokens;
  long cacheReadTokens;
  long cacheWriteTokens;
  long reasoningTokens;
  long costPico;
  long unpricedTokens;

  void add(CallRecord c) {
    if (c.isModelCall()) {
      if (c.role() == hermes.collector.semconv.Role.LLM) {
        llmCalls++;
      }
      if (c.errorType() != null) {
        llmErrors++;
      }
      inputTokens += c.inputTokens();
      outputTokens += c.outputTokens();
      cacheReadTokens += c.cacheReadTokens();
      cacheWriteTokens += c.cacheWriteTokens();
      reasoningTokens += c.reasoningTokens();
      if (c.costPico() >= 0) {
        costPico += c.costPico();
      } else {
        unpricedTokens += c.totalTokens();
      }
    } else {
      toolCalls++;
      if (c.errorType() != null) {
        toolErrors++;
      }
    }
  }

  void add(Totals t) {
    llmCalls += t.llmCalls;
    toolCalls += t.toolCalls;
    toolErrors += t.toolErrors;
    llmErrors += t.llmErrors;
    inputTokens += t.inputTokens;
    outputTokens += t.outputTokens;
    cacheReadTokens += t.cacheReadTokens;
    cacheWriteTokens += t.cacheWriteTokens;
    reasoningTokens += t.reasoningTokens;
    costPico += t.costPico;
    unpricedTokens += t.unpricedTokens;
  }

  boolean isEmpty() {
    return llmCalls == 0 && toolCalls == 0 && inputTokens == 0 && outputTokens == 0;
  }

  Totals copy() {
    Totals t = new Totals();
    t.add(this);
    return t;
  }

  /** LLM calls. */
  public long llmCalls() {
    return llmCalls;
  }

  /** Tool calls. */
  public long toolCalls() {
    return toolCalls;
  }

  /** Failed tool calls. */
  public long toolErrors() {
    return toolErrors;
  }

  /** Failed LLM calls. */
  public long llmErrors() {
    return llmErrors;
  }

  /** All input tokens. */
  public long inputTokens() {
    return inputTokens;
  }

  /** All output tokens. */
  public long outputTokens() {
    return outputTokens;
  }

  /** Input tokens read from cache. */
  public long cacheReadTokens() {
    return cacheReadTokens;
  }

  /** Input tokens written to cache. */
  public long cacheWriteTokens() {
    return cacheWriteTokens;
  }

  /** Reasoning tokens. */
  public long reasoningTokens() {
    return reasoningTokens;
  }

  /** Priced cost in pico-dollars (unpriced calls excluded). */
  public long costPico() {
    return costPico;
  }

  /** Tokens of calls nobody could price. */
  public long unpricedTokens() {
    return unpricedTokens;
  }
}
