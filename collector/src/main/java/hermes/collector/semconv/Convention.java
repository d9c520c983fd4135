package hermes.collector.semconv;

/** Which convention identified a span (the first that recognized it). */
public enum Convention {
  /** The hermes-agent OpenTelemetry plugin ({@code hermes.span.kind}). */
  HERMES,
  /** OpenTelemetry GenAI semantic conventions ({@code gen_ai.operation.name}). */
  GENAI,
  /** OpenInference / Arize Phoenix ({@code openinference.span.kind}). */
  OPENINFERENCE,
  /** OpenLLMetry / Traceloop ({@code traceloop.span.kind}, {@code llm.request.type}). */
  OPENLLMETRY,
  /** None: recognized by span name or usage keys only, or not at all. */
  NONE
}
