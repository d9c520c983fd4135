package hermes.collector.semconv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * A per-thread, direct-mapped cache from UTF-8 bytes to a canonical name, in front of a {@link
 * NameTable} (or, for session keys, of nothing): a name seen recently on this thread costs a hash
 * and a comparison, both eight bytes at a time ({@link ByteWords}), and no allocation.
 *
 * <p>Threading: confined to one thread.
 */
final class NameCache {
  private static final int SLOTS = 512;
  private final byte[][] keys = new byte[SLOTS][];
  private final long[] hashes = new long[SLOTS]; // of keys[i]: most misses end at one compare
  private final String[] values = new String[SLOTS];
  private final NameTable table;
  private final UnaryOperator<String> normalize;

  /**
   * @param table the table giving canonical instances, or null to keep names as decoded
   * @param normalize applied to a decoded name before the table (e.g. lower-casing)
   */
  NameCache(NameTable table, UnaryOperator<String> normalize) {
    this.table = table;
    this.normalize = normalize;
  }

  String get(byte[] buf, int off, int len) {
    // Cut before hashing and caching: a 64 KiB name costs what its first maxBytes cost, and the
    // cache never holds a key longer than that. A short name pays one comparison.
    boolean cut = false;
    if (table != null && len > table.maxBytes()) {
      len = Utf8Cut.length(buf, off, len, table.maxBytes());
      table.countTruncated();
      cut = true;
    }
    long h = ByteWords.hash(buf, off, len);
    int slot = (int) (h ^ (h >>> 32)) & (SLOTS - 1);
    byte[] k = keys[slot];
    if (k != null
        && hashes[slot] == h
        && k.length == len
        && ByteWords.equals(k, 0, buf, off, len)) {
      return values[slot];
    }
    String name = normalize.apply(new String(buf, off, len, StandardCharsets.UTF_8));
    String canonical = table == null ? name : table.canonical(name, cut);
    keys[slot] = Arrays.copyOfRange(buf, off, off + len);
    hashes[slot] = h;
    values[slot] = canonical;
    return canonical;
  }
}
