package hermes.collector.session;

/**
 * A 128-bit trace id as a map key. Mutable only through {@link #set}, which the owner uses on a
 * private probe instance for allocation-free lookups; keys stored in maps are never changed. A live
 * trace is its own key (it extends this class), which saves an object per trace.
 */
class TraceKey {
  private long high;
  private long low;

  TraceKey(long high, long low) {
    this.high = high;
    this.low = low;
  }

  void set(long high, long low) {
    this.high = high;
    this.low = low;
  }

  long high() {
    return high;
  }

  long low() {
    return low;
  }

  /** An immutable copy of this id. */
  TraceKey copy() {
    return new TraceKey(high, low);
  }

  String hex() {
    return String.format("%016x%016x", high, low);
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof TraceKey k && k.high == high && k.low == low;
  }

  @Override
  public final int hashCode() {
    long h = high * 0x9E3779B97F4A7C15L ^ low;
    return (int) (h ^ (h >>> 32));
  }
}
