package hermes.collector.metrics;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The per-thread shares of one series: share {@code slot} belongs to the one recording thread that
 * holds that slot number, made on its first use, so recording never contends; readers (scrapes) sum
 * every share.
 *
 * <p>Threading: {@link #of} from any thread (the owner of the slot), lock-free once the share
 * exists; making one takes this object's lock and publishes a grown copy of the array through a
 * volatile field, so {@link #all} always sees whole shares.
 *
 * @param <W> one thread's share
 */
final class Shares<W> {
  private final Supplier<W> make;
  private volatile W[] all; // by slot; copied on growth

  Shares(W[] empty, Supplier<W> make) {
    this.all = empty;
    this.make = make;
  }

  /** The share of {@code slot}, made on first use. */
  W of(int slot) {
    W[] w = all;
    if (slot < w.length && w[slot] != null) {
      return w[slot];
    }
    return add(slot);
  }

  private synchronized W add(int slot) {
    W[] w = all;
    if (slot < w.length && w[slot] != null) {
      return w[slot];
    }
    W[] grown = Arrays.copyOf(w, Math.max(w.length, slot + 1));
    grown[slot] = make.get();
    all = grown;
    return grown[slot];
  }

  /** Every share made so far, by slot (null where a slot has none); not to be modified. */
  W[] all() {
    return all;
  }
}
