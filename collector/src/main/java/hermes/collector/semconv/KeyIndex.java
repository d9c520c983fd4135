package hermes.collector.semconv;

import hermes.collector.proto.Attributes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * For one span, where each known {@link Key} sits among its attributes: built in one pass over the
 * attributes, matching each attribute's key bytes through a small open-addressing table, so no key
 * is ever decoded into a {@code String}.
 *
 * <p>Threading: one instance per thread, reused span after span.
 */
final class KeyIndex {
  private static final int TABLE_BITS = 8;
  private static final int MASK = (1 << TABLE_BITS) - 1;
  private static final Key[] TABLE = new Key[1 << TABLE_BITS];
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static {
    for (Key k : Key.VALUES) {
      int slot = hash(k.utf8, 0, k.utf8.length) & MASK;
      while (TABLE[slot] != null) {
        slot = (slot + 1) & MASK;
      }
      TABLE[slot] = k;
    }
  }

  private final int[] position = new int[Key.VALUES.length];
  private Attributes attributes;

  /** Indexes {@code a}; earlier attributes win when a key repeats. */
  void index(Attributes a) {
    attributes = a;
    Arrays.fill(position, -1);
    byte[] buf = a.buffer();
    for (int i = 0; i < a.size(); i++) {
      int off = a.keyOffset(i);
      int len = a.keyLength(i);
      int slot = hash(buf, off, len) & MASK;
      for (Key k = TABLE[slot]; k != null; k = TABLE[slot = (slot + 1) & MASK]) {
        if (k.utf8.length == len && Arrays.equals(buf, off, off + len, k.utf8, 0, len)) {
          if (position[k.ordinal()] < 0) {
            position[k.ordinal()] = i;
          }
          break;
        }
      }
    }
  }

  Attributes attributes() {
    return attributes;
  }

  /** The attribute index of {@code k}, or -1. */
  int at(Key k) {
    return position[k.ordinal()];
  }

  boolean has(Key k) {
    return position[k.ordinal()] >= 0;
  }

  /** The first of {@code keys} present, as an attribute index, or -1. */
  int first(Key... keys) {
    for (Key k : keys) {
      int p = position[k.ordinal()];
      if (p >= 0) {
        return p;
      }
    }
    return -1;
  }

  private static int hash(byte[] b, int off, int len) {
    // Three 8-byte words (first, middle, last) and the length, mixed: a byte-at-a-time hash over
    // every key of every span was a tenth of an I/O thread's time. Known keys share prefixes
    // (gen_ai.usage.) and suffixes (_tokens), which the middle word and the length tell apart;
    // a collision only costs a probe, the bytes are compared anyway.
    long h;
    if (len >= 8) {
      long first = (long) LONGS.get(b, off);
      long middle = (long) LONGS.get(b, off + (len >>> 1) - 4);
      long last = (long) LONGS.get(b, off + len - 8);
      h = first * 0x9E3779B97F4A7C15L + middle * 0xC2B2AE3D27D4EB4FL + last * 0x165667B19E3779F9L;
    } else {
      h = 0;
      for (int i = off; i < off + len; i++) {
        h = h * 31 + b[i];
      }
    }
    h += len;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    return (int) h;
  }
}
