package hermes.collector.ingest;

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Receives every accepted trace request's protobuf bytes (the forwarder). Room is reserved before
 * the request is accepted, so a full tap refuses the request whole (503/UNAVAILABLE) rather than
 * losing it after the client was told it was accepted.
 *
 * <p>Threading: called on I/O threads, concurrently; never blocks: a tap that writes to disk (the
 * forward spool) does so on its own thread and completes the future of {@link #accept} when the
 * request is durable, and the client is answered then.
 */
public interface TraceTap {
  /** What became of a request handed to {@link #accept}. */
  enum Taken {
    /** Kept, and the other consumers' commit applied: the client hears "accepted". */
    ACCEPTED,
    /** The other consumers' commit refused it (pipeline full); the tap kept nothing. */
    PIPELINE_FULL,
    /** The tap could not keep it (a spool write failed); the commit was not run. */
    FAILED
  }

  /** Reserves room for {@code bytes}; false when there is none (the request is refused). */
  boolean reserve(int bytes);

  /** Gives back a reservation whose request was refused after all. */
  void release(int bytes);

  /**
   * Takes a request whose room was reserved, together with the other consumers: {@code commit} is
   * run exactly when the tap can keep the request, and the request is kept exactly when {@code
   * commit} returns true, so the request is applied whole everywhere or nowhere (a spool writes it
   * first, runs {@code commit}, and cuts it off again if that refuses). Unless {@link
   * Taken#ACCEPTED}, the reservation is given back.
   *
   * @param commit may run on another thread than the caller's (the spool's writer), after this
   *     method returned
   * @return completes with the outcome: at once for an in-memory queue, when the write is done for
   *     a spool; never exceptionally
   */
  CompletableFuture<Taken> accept(byte[] request, int spans, BooleanSupplier commit);
}
