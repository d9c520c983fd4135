package hermes.collector.bench.loadgen;

import hermes.collector.bench.Rekeyer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The load's request bodies, endless: request {@code n} is corpus entry {@code n % size}, re-keyed
 * for pass {@code n / size} (new trace, span and session ids each pass), so a long run keeps
 * sending new sessions instead of replaying finished ones.
 *
 * <p>Threading: immutable; {@link #body} may be called from any thread (later passes get a copy).
 */
final class EndlessCorpus {
  private final List<byte[]> bodies;
  private final List<Rekeyer> rekeyers = new ArrayList<>();
  private final int[] spans;

  EndlessCorpus(List<byte[]> bodies, int[] spans, Function<byte[], Rekeyer> rekeyer) {
    this.bodies = List.copyOf(bodies);
    this.spans = spans.clone();
    for (byte[] b : bodies) {
      rekeyers.add(rekeyer.apply(b));
    }
  }

  int size() {
    return bodies.size();
  }

  /** The body of request {@code sequence}. */
  byte[] body(long sequence) {
    int i = (int) (sequence % bodies.size());
    int pass = (int) (sequence / bodies.size());
    if (pass == 0) {
      return bodies.get(i);
    }
    byte[] b = bodies.get(i).clone(); // a request may still be in flight with the original
    rekeyers.get(i).rekey(b, pass);
    return b;
  }

  /** The spans in request {@code sequence}. */
  int spans(long sequence) {
    return spans[(int) (sequence % spans.length)];
  }

  /** Spans in one pass. */
  long spansPerPass() {
    long n = 0;
    for (int s : spans) {
      n += s;
    }
    return n;
  }
}
