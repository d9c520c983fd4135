package hermes.collector.semconv;

/**
 * Cuts names to at most a number of UTF-8 bytes, on a code point boundary, so that a name or label
 * value of megabytes cannot make one series, one table entry or one {@code /metrics} line that
 * large. Short inputs (the common case) are returned as they are, without allocating.
 *
 * <p>Threading: stateless.
 */
public final class Utf8Cut {
  private Utf8Cut() {}

  /**
   * The length of the longest prefix of {@code buf[off, off + len)} of at most {@code max} bytes
   * that ends on a code point boundary; {@code len} when it fits.
   */
  public static int length(byte[] buf, int off, int len, int max) {
    if (len <= max) {
      return len;
    }
    int end = off + max;
    // buf[end] starts the first excluded byte: back up over continuation bytes so the code point
    // it belongs to is excluded whole.
    while (end > off && (buf[end] & 0xC0) == 0x80) {
      end--;
    }
    return end - off;
  }

  /**
   * {@code s} when its UTF-8 form has at most {@code max} bytes, else its longest prefix that does
   * (never splitting a surrogate pair).
   */
  public static String cut(String s, int max) {
    int n = s.length();
    if (n <= max / 3) {
      return s; // at most 3 UTF-8 bytes per char (a surrogate pair is 4 bytes for 2 chars)
    }
    int bytes = 0;
    for (int i = 0; i < n; ) {
      char c = s.charAt(i);
      int width;
      int chars = 1;
      if (c < 0x80) {
        width = 1;
      } else if (c < 0x800) {
        width = 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        width = 4;
        chars = 2;
      } else {
        width = 3;
      }
      if (bytes + width > max) {
        return s.substring(0, i);
      }
      bytes += width;
      i += chars;
    }
    return s;
  }
}
