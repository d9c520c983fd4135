package hermes.collector.ingest;

import hermes.collector.proto.SpanView;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A consumer for contract tests that records what it is asked: refuses at reserve or at commit when
 * told to, and, made {@link #durable}, commits on its own thread as the forward spool does:
 * "writes" the request, runs the consumers after it, and undoes the write when they refuse.
 */
final class FakeConsumer implements TraceConsumer, AutoCloseable {
  final String name;
  final List<String> log; // shared by the consumers of one test: the order of events
  final List<byte[]> kept = new CopyOnWriteArrayList<>();
  volatile TraceConsumer.Outcome refuseAtReserve;
  volatile TraceConsumer.Outcome refuseAtCommit;
  volatile RuntimeException throwAtReserve; // a consumer's bug, thrown where it would surface
  volatile RuntimeException throwAtSpan;
  volatile RuntimeException throwAtCommit;
  volatile int spansSeen;
  volatile int aborted;
  volatile int detached;
  volatile String committedOn;
  private final ExecutorService writer;
  volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  private FakeConsumer(String name, List<String> log, boolean durable) {
    this.name = name;
    this.log = log;
    this.writer =
        durable ? Executors.newSingleThreadExecutor(r -> new Thread(r, name + "-writer")) : null;
  }

  static FakeConsumer plain(String name, List<String> log) {
    return new FakeConsumer(name, log, false);
  }

  static FakeConsumer durable(String name, List<String> log) {
    return new FakeConsumer(name, log, true);
  }

  @Override
  public boolean commitsLater() {
    return writer != null;
  }

  @Override
  public Reservation reserve(RequestShape request) {
    log.add(name + ".reserve");
    if (throwAtReserve != null) {
      throw throwAtReserve;
    }
    if (refuseAtReserve != null) {
      return Reservation.refused(refuseAtReserve);
    }
    return new Reservation() {
      boolean done;

      @Override
      public void span(SpanView span) {
        if (throwAtSpan != null) {
          throw throwAtSpan;
        }
        spansSeen++;
      }

      @Override
      public Reservation detach() {
        detached++;
        return this;
      }

      @Override
      public CompletableFuture<Outcome> commit(byte[] request, int spans, Next next) {
        if (writer == null) {
          return apply(request, next).now();
        }
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        gate.thenRunAsync(() -> f.complete(apply(request, next)), writer);
        return f;
      }

      private Outcome apply(byte[] request, Next next) {
        committedOn = Thread.currentThread().getName();
        if (throwAtCommit != null) {
          log.add(name + ".throw");
          throw throwAtCommit;
        }
        if (refuseAtCommit != null) {
          log.add(name + ".refuse");
          return refuseAtCommit;
        }
        log.add(name + ".write");
        kept.add(request);
        Outcome o = next.commit();
        if (o != Outcome.ACCEPTED) {
          kept.remove(request);
          log.add(name + ".undo");
        }
        done = true;
        return o;
      }

      @Override
      public void abort() {
        if (done) {
          throw new IllegalStateException("aborted after commit");
        }
        aborted++;
        log.add(name + ".abort");
      }
    };
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.shutdownNow();
    }
  }
}
