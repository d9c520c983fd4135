package hermes.collector.ingest;

/**
 * Receives every accepted trace request's protobuf bytes (the forwarder). Room is reserved before
 * the request is accepted, so a full tap refuses the request whole (503/UNAVAILABLE) rather than
 * losing it after the client was told it was accepted.
 *
 * <p>Threading: called on I/O threads, concurrently; must not block.
 */
public interface TraceTap {
  /** Reserves room for {@code bytes}; false when there is none (the request is refused). */
  boolean reserve(int bytes);

  /** Gives back a reservation whose request was refused after all. */
  void release(int bytes);

  /** Takes an accepted request (its reservation is consumed). */
  void accept(byte[] request, int spans);
}
