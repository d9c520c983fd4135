package hermes.collector.proto;

/**
 * Receives the content of an {@code ExportTraceServiceRequest} as the reader walks it: each
 * resource, then each of its scopes, then each of their spans. The views are reused: a visitor that
 * keeps anything copies it out during the call.
 *
 * <p>Threading: called on the reader's thread, in wire order. If the reader later finds the request
 * malformed it throws after some calls were made; a visitor that must not act on half a request
 * buffers until the read returns.
 */
public interface TraceVisitor {
  /** A new {@code ResourceSpans} begins; its scopes and spans follow. */
  default void resource(ResourceView resource) {}

  /** A new {@code ScopeSpans} begins; its spans follow. */
  default void scope(ScopeView scope) {}

  /** One span, with {@link SpanView#resource()} and {@link SpanView#scope()} set. */
  void span(SpanView span);
}
