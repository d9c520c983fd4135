package hermes.collector.ingest;

import java.util.function.BooleanSupplier;

/**
 * Receives every accepted trace request's protobuf bytes (the forwarder). Room is reserved before
 * the request is accepted, so a full tap refuses the request whole (503/UNAVAILABLE) rather than
 * losing it after the client was told it was accepted.
 *
 * <p>Threading: called on I/O threads, concurrently; must not block (a spool's disk write is the
 * one exception, see {@link #accept}).
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
   */
  Taken accept(byte[] request, int spans, BooleanSupplier commit);
}
