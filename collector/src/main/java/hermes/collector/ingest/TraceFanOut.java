package hermes.collector.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Several {@link TraceConsumer}s as one, as the OpenTelemetry Collector's {@code fanoutconsumer}: a
 * request is reserved in all of them or none (a refusal aborts the reservations taken before it),
 * and committed as one chain, the consumer that {@link TraceConsumer#commitsLater() commits later}
 * (the forward spool: durable before the client hears "accepted") first, the others in the given
 * order inside its commit; a later refusal makes each earlier consumer undo its part, and the whole
 * reports one outcome.
 *
 * <pre>{@code
 * TraceConsumer all = TraceFanOut.of(assembler, forwarder);
 * }</pre>
 *
 * <p>Threading: as {@link TraceConsumer}; immutable. When the first consumer commits later, the
 * others' reservations are {@link TraceConsumer.Reservation#detach() detached} on the committing
 * I/O thread, so its reused batches are free for its next request.
 */
public final class TraceFanOut implements TraceConsumer {
  private final TraceConsumer[] consumers;
  private final boolean later;

  private TraceFanOut(TraceConsumer[] consumers, boolean later) {
    this.consumers = consumers;
    this.later = later;
  }

  /**
   * The consumers as one; a single one is returned as is.
   *
   * @throws IllegalArgumentException when more than one commits later
   */
  public static TraceConsumer of(TraceConsumer... consumers) {
    List<TraceConsumer> ordered = new ArrayList<>();
    for (TraceConsumer c : consumers) {
      Objects.requireNonNull(c, "consumer");
      if (c.commitsLater()) {
        if (!ordered.isEmpty() && ordered.get(0).commitsLater()) {
          throw new IllegalArgumentException("at most one consumer may commit later");
        }
        ordered.add(0, c);
      } else {
        ordered.add(c);
      }
    }
    if (ordered.isEmpty()) {
      throw new IllegalArgumentException("no consumer");
    }
    if (ordered.size() == 1) {
      return ordered.get(0);
    }
    return new TraceFanOut(ordered.toArray(TraceConsumer[]::new), ordered.get(0).commitsLater());
  }

  @Override
  public boolean commitsLater() {
    return later;
  }

  @Override
  public Reservation reserve(RequestShape request) {
    Reservation[] parts = new Reservation[consumers.length];
    for (int i = 0; i < consumers.length; i++) {
      Reservation r;
      try {
        r = consumers[i].reserve(request);
      } catch (RuntimeException | Error e) {
        for (int j = 0; j < i; j++) {
          parts[j].abort(); // a consumer that threw (a bug) takes the others' room with it
        }
        throw e;
      }
      if (r.refusal() != null) {
        for (int j = 0; j < i; j++) {
          parts[j].abort(); // all or nothing
        }
        return r;
      }
      parts[i] = r;
    }
    return new Parts(parts);
  }

  /** One request's reservations, one per consumer, in commit order. */
  private final class Parts implements Reservation {
    private final Reservation[] parts;

    Parts(Reservation[] parts) {
      this.parts = parts;
    }

    @Override
    public void resource(hermes.collector.proto.ResourceView resource) {
      for (Reservation r : parts) {
        r.resource(resource);
      }
    }

    @Override
    public void span(hermes.collector.proto.SpanView span) {
      for (Reservation r : parts) {
        r.span(span);
      }
    }

    @Override
    public Reservation detach() {
      for (int i = 0; i < parts.length; i++) {
        parts[i] = parts[i].detach();
      }
      return this;
    }

    @Override
    public CompletableFuture<Outcome> commit(byte[] request, int spans, Next next) {
      if (later) { // the rest is committed on the first one's thread, after this returns
        for (int i = 1; i < parts.length; i++) {
          parts[i] = parts[i].detach();
        }
      }
      Link first = new Link(this, 1, request, spans, next);
      CompletableFuture<Outcome> done;
      try {
        done = parts[0].commit(request, spans, first);
      } catch (RuntimeException | Error e) {
        first.abortIfNotRun(); // the first consumer threw (a bug): the others' room goes back
        throw e;
      }
      Outcome now = done.getNow(null);
      if (now != null) {
        first.abortIfNotRun();
        return done;
      }
      return done.whenComplete((o, e) -> first.abortIfNotRun());
    }

    @Override
    public void abort() {
      for (Reservation r : parts) {
        r.abort();
      }
    }
  }

  /**
   * The consumers from {@code index} on, as the {@link Next} of the one before: commits them in
   * turn (each one's commit is complete on return: only the first may commit later) and then the
   * caller's own next. When a consumer refused without running it, its caller aborts the rest.
   */
  private static final class Link implements Next {
    private final Parts parts;
    private final int index;
    private final byte[] request;
    private final int spans;
    private final Next tail;
    private volatile boolean ran; // set on the committing thread, read after the future completes

    Link(Parts parts, int index, byte[] request, int spans, Next tail) {
      this.parts = parts;
      this.index = index;
      this.request = request;
      this.spans = spans;
      this.tail = tail;
    }

    @Override
    public Outcome commit() {
      ran = true;
      Reservation[] p = parts.parts;
      if (index == p.length) {
        return tail.commit();
      }
      Link next = new Link(parts, index + 1, request, spans, tail);
      try {
        return p[index].commit(request, spans, next).join(); // complete on return
      } finally {
        next.abortIfNotRun(); // also when the consumer threw (a bug) before running the rest
      }
    }

    void abortIfNotRun() {
      if (!ran) {
        Reservation[] p = parts.parts;
        for (int i = index; i < p.length; i++) {
          p[i].abort();
        }
      }
    }
  }
}
