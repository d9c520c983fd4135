package hermes.collector.ingest;

import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;
import java.util.concurrent.CompletableFuture;

/**
 * What takes accepted trace requests (the session assembler, the forwarder): the one contract
 * between {@link Ingest} and everything behind it, composed as the OpenTelemetry Collector's {@code
 * consumer.Traces} are, by one {@link TraceFanOut}.
 *
 * <p>One request goes through three steps, applied whole everywhere or nowhere:
 *
 * <ol>
 *   <li>{@link #reserve}: before anything is decoded, the consumer takes room for the request or
 *       refuses it with a reason (a {@link Reservation#refused refused} reservation); a refused
 *       request is never decoded, only counted by a skip-only scan.
 *   <li>the reservation is handed the decoded spans, streamed ({@link Reservation#span}: there is
 *       one decode, on the I/O thread, whoever consumes), and at {@link Reservation#commit commit}
 *       the request's protobuf bytes.
 *   <li>{@link Reservation#commit} or {@link Reservation#abort} (the request turned out malformed,
 *       or another consumer refused it).
 * </ol>
 *
 * <p>Commits chain: a consumer applies its part, runs the consumers after it ({@link Next}), and
 * undoes its part if they refuse; so what must be durable first (the forward spool) is written
 * first, and a later refusal cuts it off again. Only such a consumer ({@link #commitsLater()})
 * completes its commit later, on its own thread; every other commit is complete on return.
 *
 * <p>Threading: {@link #reserve} and the reservation's methods up to {@code commit} are called by
 * one I/O thread per request, concurrently across requests; nothing here blocks. A reservation may
 * hold state of its thread (a reused batch): {@link Reservation#detach} hands it off before a
 * commit that runs on another thread.
 */
public interface TraceConsumer {
  /** A consumer that accepts and discards every request (the receivers still count them). */
  TraceConsumer DISCARD = request -> Reservation.PASS;

  /** What is known of a request before it is decoded. */
  record RequestShape(Protocol protocol, int bytes) {}

  /** What became of a request: accepted, or refused whole, and why. */
  enum Outcome {
    /** Applied by every consumer: the client hears "accepted". */
    ACCEPTED(null),
    /** The session pipeline had no room. */
    PIPELINE_FULL(IngestInstrumentation.Refusal.PIPELINE_FULL),
    /** The forward queue had no room. */
    FORWARD_FULL(IngestInstrumentation.Refusal.FORWARD_FULL),
    /** The forward spool could not be written. */
    SPOOL_ERROR(IngestInstrumentation.Refusal.SPOOL_ERROR);

    private final IngestInstrumentation.Refusal refusal;
    // Answers known at once, shared: only ever read (Ingest uses getNow), never completed.
    private final CompletableFuture<Outcome> now;

    Outcome(IngestInstrumentation.Refusal refusal) {
      this.refusal = refusal;
      this.now = CompletableFuture.completedFuture(this);
    }

    /** The refusal reason counted for it; null for {@link #ACCEPTED}. */
    public IngestInstrumentation.Refusal refusal() {
      return refusal;
    }

    /** This outcome as a completed future (shared; do not complete or obtrude it). */
    public CompletableFuture<Outcome> now() {
      return now;
    }
  }

  /**
   * The consumers after one in a commit chain: applies the request there and says whether they took
   * it. Runs synchronously, at most once.
   */
  @FunctionalInterface
  interface Next {
    /** Nothing after: accepted. */
    Next NONE = () -> Outcome.ACCEPTED;

    /** Applies the request in the consumers after this one; {@link Outcome#ACCEPTED} or why not. */
    Outcome commit();
  }

  /**
   * Takes room for one request, or refuses it: returns a {@link Reservation#refused} reservation
   * saying why. Called on an I/O thread; never blocks.
   */
  Reservation reserve(RequestShape request);

  /**
   * Whether this consumer's commit completes later, on its own thread (a durable write). A fan-out
   * commits such a consumer first and holds at most one.
   */
  default boolean commitsLater() {
    return false;
  }

  /**
   * One request's room in one consumer. Threading: used by the thread that reserved it until commit
   * or abort, except a {@link #detach detached} one, committed or aborted once from any thread.
   */
  interface Reservation {
    /** A reservation that takes nothing and passes the commit on: {@link #DISCARD}'s. */
    Reservation PASS = new Refused(null);

    /** A refusal: the consumer has no room; {@link #refusal()} says why. Shared, stateless. */
    static Reservation refused(Outcome why) {
      if (why == null || why == Outcome.ACCEPTED) {
        throw new IllegalArgumentException("a refusal needs a reason: " + why);
      }
      return Refused.BY_OUTCOME[why.ordinal()];
    }

    /** Why this consumer refused the request at reserve; null when it took room. */
    default Outcome refusal() {
      return null;
    }

    /** The resource of the spans that follow; the view is only valid during the call. */
    default void resource(ResourceView resource) {}

    /** One valid span; the view is only valid during the call. */
    default void span(SpanView span) {}

    /**
     * Hands this reservation's state over to one that may be committed or aborted later, once, from
     * any thread; this one is free for its thread's next request. Called by the reserving thread
     * after the last span. The default suits a reservation its consumer does not reuse.
     */
    default Reservation detach() {
      return this;
    }

    /**
     * Applies the request: this consumer's part, then {@code next} (run at most once, on whatever
     * thread applies this part), keeping its part only when {@code next} accepted.
     *
     * @param request the request's protobuf bytes (JSON already transcoded); not to be modified
     * @param spans its spans, valid and invalid
     * @return completes with {@link Outcome#ACCEPTED}, {@code next}'s refusal, or this consumer's;
     *     complete on return unless the consumer {@link TraceConsumer#commitsLater()}; never
     *     exceptionally. A consumer that refuses without running {@code next} leaves the abort of
     *     the later consumers to its caller.
     */
    CompletableFuture<Outcome> commit(byte[] request, int spans, Next next);

    /** Gives the room back without applying anything. */
    void abort();
  }

  /** The shared refusals (and the pass-through of {@link #DISCARD}). */
  final class Refused implements Reservation {
    private static final Refused[] BY_OUTCOME = new Refused[Outcome.values().length];

    static {
      for (Outcome o : Outcome.values()) {
        if (o != Outcome.ACCEPTED) {
          BY_OUTCOME[o.ordinal()] = new Refused(o);
        }
      }
    }

    private final Outcome why;

    private Refused(Outcome why) {
      this.why = why;
    }

    @Override
    public Outcome refusal() {
      return why;
    }

    @Override
    public CompletableFuture<Outcome> commit(byte[] request, int spans, Next next) {
      if (why != null) {
        throw new IllegalStateException("a refused request cannot be committed");
      }
      return next.commit().now();
    }

    @Override
    public void abort() {}
  }
}
