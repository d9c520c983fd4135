package hermes.collector.semconv;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Hashing and comparing short byte ranges (attribute keys, names, session keys) eight bytes at a
 * time. {@code Arrays.equals} over a range goes through {@code ArraysSupport.mismatch}, whose setup
 * costs more than comparing a 20-byte key: it was 8% of the collector's samples, called once per
 * known attribute and per name lookup of every span.
 *
 * <p>Threading: stateless.
 */
final class ByteWords {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private ByteWords() {}

  /**
   * The eight bytes at {@code b[off, off + 8)} as a little-endian long; when {@code len < 8}, the
   * {@code len} bytes there, zero-extended.
   */
  static long word(byte[] b, int off, int len) {
    if (len >= 8) {
      return (long) LONGS.get(b, off);
    }
    long w = 0;
    for (int i = len - 1; i >= 0; i--) {
      w = w << 8 | (b[off + i] & 0xffL);
    }
    return w;
  }

  /** Whether {@code a[aOff, aOff + len)} equals {@code b[bOff, bOff + len)}. */
  static boolean equals(byte[] a, int aOff, byte[] b, int bOff, int len) {
    if (len < 8) {
      return word(a, aOff, len) == word(b, bOff, len);
    }
    int last = len - 8;
    for (int i = 0; i < last; i += 8) {
      if ((long) LONGS.get(a, aOff + i) != (long) LONGS.get(b, bOff + i)) {
        return false;
      }
    }
    return (long) LONGS.get(a, aOff + last) == (long) LONGS.get(b, bOff + last);
  }

  /** A 64-bit hash of every byte of {@code b[off, off + len)} (and of {@code len}). */
  static long hash(byte[] b, int off, int len) {
    long h = len * 0x9E3779B97F4A7C15L;
    if (len < 8) {
      h ^= word(b, off, len);
    } else {
      int last = len - 8;
      for (int i = 0; i < last; i += 8) {
        h = (h ^ (long) LONGS.get(b, off + i)) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
      }
      h ^= (long) LONGS.get(b, off + last);
    }
    return mix(h);
  }

  /** SplitMix64's finalizer: every input bit reaches every output bit. */
  static long mix(long h) {
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    h *= 0x94D049BB133111EBL;
    h ^= h >>> 32;
    return h;
  }
}
