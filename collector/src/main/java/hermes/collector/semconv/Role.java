package hermes.collector.semconv;

/** What an agent span is, whatever convention described it. */
public enum Role {
  /** A whole conversation: the root of a session's tree. */
  SESSION,
  /** One user message and the agent's work to answer it. */
  TURN,
  /** One call to a model. */
  LLM,
  /** One tool execution. */
  TOOL,
  /** An agent invocation that is not the session root (a sub-agent), until the tree says more. */
  AGENT,
  /** A chain, workflow or task, until the tree says more. */
  CHAIN,
  /** An embedding call. */
  EMBEDDING,
  /** A retrieval step. */
  RETRIEVER,
  /** A reranking step. */
  RERANKER,
  /** A guardrail check. */
  GUARDRAIL,
  /** Anything else (HTTP client spans, evaluators, prompts, ...). */
  OTHER
}
