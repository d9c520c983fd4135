package hermes.collector.proto;

/**
 * Reads the numbers of OTLP/JSON from their text, checking form and size before any conversion, so
 * that no client text ever becomes a {@code BigDecimal} or {@code BigInteger} (a 250-byte {@code
 * "1e30000000"} would otherwise cost seconds of CPU).
 *
 * <p>The proto3 JSON mapping, which OTLP/JSON follows, lets integers come as JSON numbers or as
 * strings, and accepts exponent notation ({@code 1e2}) in both. This reader is strict but follows
 * that: the text must be a JSON number ({@code -?digits(.digits)?([eE][+-]?digits)?}: no sign
 * {@code +}, no white space, no hex, no {@code Infinity}), at most {@value #MAX_INTEGER_CHARS}
 * characters, and for an integer field its value must be integral ({@code 1.5e1} is 15, {@code 1.5}
 * is refused) and within the field's range. Leading zeros are accepted in strings (protobuf's own
 * parser accepts them).
 *
 * <p>Threading: stateless. Allocates nothing on success.
 */
final class JsonNumbers {
  /** The longest integer text accepted: 20 digits with room for a sign, a fraction, exponent. */
  static final int MAX_INTEGER_CHARS = 64;

  /** The longest floating-point text accepted (as Jackson's number length limit). */
  static final int MAX_FLOAT_CHARS = 400;

  private static final long MAX_UNSIGNED_DIV_10 = Long.divideUnsigned(-1L, 10);

  /** Which range an integer field has. */
  enum Range {
    INT32(Integer.MIN_VALUE, Integer.MAX_VALUE),
    UINT32(0, 0xFFFF_FFFFL),
    INT64(Long.MIN_VALUE, Long.MAX_VALUE),
    UINT64(0, -1L);

    final long min;
    final long max;

    Range(long min, long max) {
      this.min = min;
      this.max = max;
    }
  }

  private JsonNumbers() {}

  /**
   * The value of an integer's text, in {@code range} (for {@link Range#UINT64} the two's complement
   * bits of the unsigned value).
   *
   * @throws NumberFormatException with a short reason for the client: not a number, not integral,
   *     too long or out of range
   */
  static long integer(String s, Range range) {
    int n = s.length();
    if (n > MAX_INTEGER_CHARS) {
      throw new NumberFormatException("longer than " + MAX_INTEGER_CHARS + " characters");
    }
    // Fast path: plain digits that cannot overflow a long (the usual case).
    boolean neg = n > 0 && s.charAt(0) == '-';
    int start = neg ? 1 : 0;
    if (n - start > 0 && n - start <= 18) {
      long v = 0;
      int i = start;
      for (; i < n; i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          break;
        }
        v = v * 10 + (c - '0');
      }
      if (i == n) {
        return inRange(neg, v, range);
      }
    }
    return slow(s, neg, start, range);
  }

  private static long slow(String s, boolean neg, int start, Range range) {
    int n = s.length();
    int end = scan(s, start);
    if (end < 0) {
      throw new NumberFormatException("not a number");
    }
    int intEnd = start;
    while (intEnd < n && isDigit(s.charAt(intEnd))) {
      intEnd++;
    }
    int fracStart = intEnd;
    int fracEnd = intEnd;
    if (fracStart < n && s.charAt(fracStart) == '.') {
      fracStart++;
      fracEnd = fracStart;
      while (fracEnd < n && isDigit(s.charAt(fracEnd))) {
        fracEnd++;
      }
    }
    long exp = 0;
    if (fracEnd < n) {
      // 'e' or 'E', then an optional sign and digits (scan checked the form).
      int i = fracEnd + 1;
      boolean expNeg = s.charAt(i) == '-';
      if (s.charAt(i) == '-' || s.charAt(i) == '+') {
        i++;
      }
      for (; i < n; i++) {
        // Saturates: past 20 digits either way the answer is already decided.
        exp = Math.min(1_000_000, exp * 10 + (s.charAt(i) - '0'));
      }
      if (expNeg) {
        exp = -exp;
      }
    }
    // The digits d1..dk of int and fraction, value = d1..dk * 10^(exp - fraction length).
    int first = -1;
    int last = -1;
    for (int i = start; i < fracEnd; i++) {
      char c = s.charAt(i);
      if (c != '.' && c != '0') {
        if (first < 0) {
          first = i;
        }
        last = i;
      }
    }
    if (first < 0) {
      return 0; // 0, -0, 0.000e99
    }
    long scale = exp;
    // The power of ten of the last significant digit: its place, shifted by the exponent.
    if (last < intEnd) {
      scale += intEnd - last - 1;
    } else {
      scale -= last - fracStart + 1;
    }
    int significant = 0;
    for (int i = first; i <= last; i++) {
      if (s.charAt(i) != '.') {
        significant++;
      }
    }
    if (scale < 0) {
      throw new NumberFormatException("not an integer");
    }
    if (significant + scale > 20) {
      throw new NumberFormatException("out of range");
    }
    long v = 0;
    for (int i = first; i <= last; i++) {
      char c = s.charAt(i);
      if (c != '.') {
        v = times10Plus(v, c - '0');
      }
    }
    for (long i = 0; i < scale; i++) {
      v = times10Plus(v, 0);
    }
    return inRange(neg, v, range);
  }

  /** {@code v * 10 + d}, unsigned, or out of range. */
  private static long times10Plus(long v, int d) {
    if (Long.compareUnsigned(v, MAX_UNSIGNED_DIV_10) > 0) {
      throw new NumberFormatException("out of range");
    }
    long r = v * 10 + d;
    if (Long.compareUnsigned(r, v * 10) < 0) {
      throw new NumberFormatException("out of range");
    }
    return r;
  }

  /** The signed value of magnitude {@code mag} (unsigned), checked against {@code range}. */
  private static long inRange(boolean neg, long mag, Range range) {
    if (range == Range.UINT64) {
      if (neg && mag != 0) {
        throw new NumberFormatException("out of range");
      }
      return mag;
    }
    if (neg) {
      // -2^63 has the magnitude 2^63, which is Long.MIN_VALUE as unsigned bits.
      if (Long.compareUnsigned(mag, -range.min) > 0) {
        throw new NumberFormatException("out of range");
      }
      return -mag;
    }
    if (Long.compareUnsigned(mag, range.max) > 0) {
      throw new NumberFormatException("out of range");
    }
    return mag;
  }

  /**
   * The value of a floating-point string: a JSON number of at most {@value #MAX_FLOAT_CHARS}
   * characters (the proto3 names {@code NaN}, {@code Infinity}, {@code -Infinity} are handled by
   * the caller).
   *
   * @throws NumberFormatException with a short reason for the client
   */
  static double floating(String s) {
    if (s.length() > MAX_FLOAT_CHARS) {
      throw new NumberFormatException("longer than " + MAX_FLOAT_CHARS + " characters");
    }
    int start = !s.isEmpty() && s.charAt(0) == '-' ? 1 : 0;
    if (scan(s, start) < 0) {
      throw new NumberFormatException("not a number");
    }
    // Double.parseDouble alone would also take "0x1p3", "1d", " 1" and "+1".
    return Double.parseDouble(s);
  }

  /**
   * Checks {@code s} from {@code start} (after any '-') is {@code digits(.digits)?([eE][+-]?
   * digits)?} to its end; returns its length, or -1.
   */
  private static int scan(String s, int start) {
    int n = s.length();
    int i = start;
    int d = i;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
    }
    if (i == d) {
      return -1;
    }
    if (i < n && s.charAt(i) == '.') {
      d = ++i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == d) {
        return -1;
      }
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      d = i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == d) {
        return -1;
      }
    }
    return i == n ? n : -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
