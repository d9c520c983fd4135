package hermes.collector.semconv;

import hermes.collector.proto.Attributes;
import java.util.Arrays;

/**
 * For one span, where each known {@link Key} sits among its attributes: built in one pass over the
 * attributes, matching each attribute's key bytes through a small open-addressing table, so no key
 * is ever decoded into a {@code String}.
 *
 * <p>A key is matched by its length and three 8-byte words (first, middle, last), which the hash is
 * made of anyway and which cover every byte of a key up to 24 bytes long; longer keys compare their
 * other words too, so a match is exact. Keys shorter or longer than every known key are not looked
 * up at all. Between spans only the positions the last span set are cleared.
 *
 * <p>Threading: one instance per thread, reused span after span.
 */
final class KeyIndex {
  private static final int TABLE_BITS = 8;
  private static final int MASK = (1 << TABLE_BITS) - 1;
  private static final Key[] TABLE = new Key[1 << TABLE_BITS];
  // Per slot, in one array so a probe reads one cache line: the key's length << 32 | ordinal (0 =
  // empty slot; no key is empty), then its first, middle and last words.
  private static final long[] SLOTS = new long[4 << TABLE_BITS];
  private static final int MIN_LENGTH;
  private static final int MAX_LENGTH;

  static {
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (Key k : Key.VALUES) {
      byte[] u = k.utf8;
      int len = u.length;
      long first = first(u, 0, len);
      long middle = middle(u, 0, len);
      long last = last(u, 0, len);
      int slot = hash(first, middle, last, len) & MASK;
      while (TABLE[slot] != null) {
        slot = (slot + 1) & MASK;
      }
      TABLE[slot] = k;
      SLOTS[4 * slot] = (long) len << 32 | k.ordinal();
      SLOTS[4 * slot + 1] = first;
      SLOTS[4 * slot + 2] = middle;
      SLOTS[4 * slot + 3] = last;
      min = Math.min(min, len);
      max = Math.max(max, len);
    }
    MIN_LENGTH = Math.max(1, min); // an empty key matches nothing (no known key is empty)
    MAX_LENGTH = max;
  }

  private final int[] position = new int[Key.VALUES.length];
  private final int[] set = new int[Key.VALUES.length]; // ordinals the last span set
  private int setCount;
  private Attributes attributes;

  KeyIndex() {
    Arrays.fill(position, -1);
  }

  /** Indexes {@code a}; earlier attributes win when a key repeats. */
  void index(Attributes a) {
    attributes = a;
    int[] pos = position;
    for (int i = 0; i < setCount; i++) {
      pos[set[i]] = -1;
    }
    int count = 0;
    byte[] buf = a.buffer();
    int n = a.size();
    for (int i = 0; i < n; i++) {
      int len = a.keyLength(i);
      if (len < MIN_LENGTH || len > MAX_LENGTH) {
        continue;
      }
      int off = a.keyOffset(i);
      long first = first(buf, off, len);
      long middle = middle(buf, off, len);
      long last = last(buf, off, len);
      long[] slots = SLOTS;
      for (int slot = hash(first, middle, last, len) & MASK; ; slot = (slot + 1) & MASK) {
        long head = slots[4 * slot];
        if (head == 0) {
          break;
        }
        if ((int) (head >>> 32) == len
            && slots[4 * slot + 1] == first
            && slots[4 * slot + 2] == middle
            && slots[4 * slot + 3] == last
            && (len <= 24 || ByteWords.equals(buf, off, TABLE[slot].utf8, 0, len))) {
          int ordinal = (int) head;
          if (pos[ordinal] < 0) {
            pos[ordinal] = i;
            set[count++] = ordinal;
          }
          break;
        }
      }
    }
    setCount = count;
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

  // The three words: for a key under 8 bytes all three are its bytes, zero-extended.

  private static long first(byte[] b, int off, int len) {
    return ByteWords.word(b, off, len);
  }

  private static long middle(byte[] b, int off, int len) {
    return len < 8 ? ByteWords.word(b, off, len) : ByteWords.word(b, off + (len >>> 1) - 4, 8);
  }

  private static long last(byte[] b, int off, int len) {
    return len < 8 ? ByteWords.word(b, off, len) : ByteWords.word(b, off + len - 8, 8);
  }

  private static int hash(long first, long middle, long last, int len) {
    // Known keys share prefixes (gen_ai.usage.) and suffixes (_tokens), which the middle word and
    // the length tell apart; a collision only costs a probe, the words are compared anyway.
    long h =
        first * 0x9E3779B97F4A7C15L + middle * 0xC2B2AE3D27D4EB4FL + last * 0x165667B19E3779F9L;
    h += len;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    return (int) h;
  }
}
