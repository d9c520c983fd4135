package hermes.collector.session;

/**
 * Recycles the arrays of one owner's {@link PackedCalls} (a shard's trace stage, or its session
 * stage): a trace's pending spans are released a turn at a time and its arrays given back when it
 * holds none, so without reuse each turn would allocate its arrays anew, short-lived garbage of ~2x
 * the spans' size. Reused arrays are long-lived and not copied by young collections either. Arrays
 * are kept per capacity class (4 << k slots) up to a byte budget per class and kind, so the pool
 * holds at most a few MiB.
 *
 * <p>Threading: not thread-safe; owned by one shard's thread, as its packs are.
 */
final class SlotPool {
  private static final int CLASSES = 26;
  private static final long[] NO_LONGS = {};
  private static final int[] NO_INTS = {};
  // Kept at most: what is in use (handed out, not given back), so an idle owner holds ~nothing.
  private static final long FLOOR_BYTES = 64 * 1024;
  private final long budgetBytes;
  private long inUseBytes;
  private long pooledBytes;
  private final long[][][] longs = new long[CLASSES][][];
  private final int[] longCount = new int[CLASSES];
  private final int[][][] ints = new int[CLASSES][][];
  private final int[] intCount = new int[CLASSES];

  /** A pool keeping at most {@code budgetBytes} of arrays per capacity class and kind. */
  SlotPool(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** The class of a capacity (a power of two, at least 4). */
  static int classOf(int capacity) {
    return Integer.numberOfTrailingZeros(capacity) - 2;
  }

  /** A {@code long[]} of {@code length} for capacity class {@code k}; its contents are stale. */
  long[] longs(int length, int k) {
    inUseBytes += 8L * length;
    int n = longCount[k];
    if (n > 0) {
      long[] a = longs[k][--n];
      longs[k][n] = null;
      longCount[k] = n;
      pooledBytes -= 8L * length;
      return a;
    }
    return new long[length];
  }

  /** An {@code int[]} of {@code length} for capacity class {@code k}; its contents are stale. */
  int[] ints(int length, int k) {
    inUseBytes += 4L * length;
    int n = intCount[k];
    if (n > 0) {
      int[] a = ints[k][--n];
      ints[k][n] = null;
      intCount[k] = n;
      pooledBytes -= 4L * length;
      return a;
    }
    return new int[length];
  }

  /** Takes back {@code a}, of capacity class {@code k}, unless that class is at its budget. */
  void give(long[] a, int k) {
    if (a == NO_LONGS || a.length == 0) {
      return;
    }
    long bytes = 8L * a.length;
    inUseBytes = Math.max(0, inUseBytes - bytes);
    trim();
    int max = (int) Math.max(1, budgetBytes / bytes);
    int n = longCount[k];
    if (n >= max || pooledBytes + bytes > Math.max(FLOOR_BYTES, inUseBytes)) {
      return;
    }
    pooledBytes += bytes;
    if (longs[k] == null || n == longs[k].length) {
      longs[k] =
          java.util.Arrays.copyOf(
              longs[k] == null ? new long[0][] : longs[k], Math.min(max, Math.max(8, n * 2)));
    }
    longs[k][n] = a;
    longCount[k] = n + 1;
  }

  /** Takes back {@code a}, of capacity class {@code k}, unless that class is at its budget. */
  void give(int[] a, int k) {
    if (a == NO_INTS || a.length == 0) {
      return;
    }
    long bytes = 4L * a.length;
    inUseBytes = Math.max(0, inUseBytes - bytes);
    trim();
    int max = (int) Math.max(1, budgetBytes / bytes);
    int n = intCount[k];
    if (n >= max || pooledBytes + bytes > Math.max(FLOOR_BYTES, inUseBytes)) {
      return;
    }
    pooledBytes += bytes;
    if (ints[k] == null || n == ints[k].length) {
      ints[k] =
          java.util.Arrays.copyOf(
              ints[k] == null ? new int[0][] : ints[k], Math.min(max, Math.max(8, n * 2)));
    }
    ints[k][n] = a;
    intCount[k] = n + 1;
  }

  /** Drops pooled arrays, largest first, until the pool is within what is in use. */
  private void trim() {
    long limit = Math.max(FLOOR_BYTES, inUseBytes);
    for (int k = CLASSES - 1; k >= 0 && pooledBytes > limit; k--) {
      while (longCount[k] > 0 && pooledBytes > limit) {
        int n = --longCount[k];
        pooledBytes -= 8L * longs[k][n].length;
        longs[k][n] = null;
      }
      while (intCount[k] > 0 && pooledBytes > limit) {
        int n = --intCount[k];
        pooledBytes -= 4L * ints[k][n].length;
        ints[k][n] = null;
      }
    }
  }
}
