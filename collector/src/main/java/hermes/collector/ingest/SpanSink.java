package hermes.collector.ingest;

import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;

/**
 * Where decoded spans go: the seam between the receivers and what understands spans (the agent
 * model). The receivers call it on their I/O threads, concurrently; an implementation must not
 * block.
 *
 * <p>One request is one batch: {@link #open} it, hand it each valid span, then {@link
 * SpanBatch#commit()} or {@link SpanBatch#abort()}. A request is applied whole or not at all: a
 * malformed request found half-way is aborted, and a sink that cannot take a batch refuses it,
 * which the client sees as "retry later".
 */
public interface SpanSink {
  /** A sink that accepts and discards every span (the receivers still count them). */
  SpanSink DISCARD =
      protocol ->
          new SpanBatch() {
            @Override
            public void span(SpanView span) {}

            @Override
            public boolean commit() {
              return true;
            }

            @Override
            public void abort() {}
          };

  /**
   * Opens a batch for one request, or returns null when the pipeline is full and the request must
   * be refused. Called on an I/O thread.
   */
  SpanBatch open(Protocol protocol);

  /**
   * The spans of one request. Threading: used by the one thread that opened it, until commit or
   * abort.
   */
  interface SpanBatch {
    /** The resource of the spans that follow; the view is only valid during the call. */
    default void resource(ResourceView resource) {}

    /** One valid span; the view is only valid during the call. */
    void span(SpanView span);

    /**
     * Applies the batch. Returns false when the pipeline filled up meanwhile: the batch was not
     * applied and the request is refused.
     */
    boolean commit();

    /** Discards the batch: the request turned out malformed. */
    void abort();

    /**
     * Hands this batch's spans over to a batch that may be committed or aborted later, once, from
     * any thread (the forward spool's writer commits after its write is durable); this one is free
     * for its thread's next request. Called by the opening thread after the last span. The default
     * suits a batch its sink does not reuse.
     */
    default SpanBatch detach() {
      return this;
    }
  }
}
