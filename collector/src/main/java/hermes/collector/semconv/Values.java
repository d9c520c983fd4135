package hermes.collector.semconv;

import hermes.collector.proto.Attributes;
import hermes.collector.proto.ValueType;
import java.nio.charset.StandardCharsets;

/** Reading attribute values the way agents write them, without allocating where it matters. */
final class Values {
  private Values() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether attribute {@code i} is a string equal to {@code lower}, ignoring ASCII case. */
  static boolean is(Attributes a, int i, byte[] lower) {
    return i >= 0 && a.stringEqualsIgnoreCase(i, lower);
  }

  /** A token count or similar: ints as they are, doubles truncated, numeric strings parsed. */
  static long count(Attributes a, int i) {
    if (i < 0) {
      return 0;
    }
    switch (a.type(i)) {
      case INT:
        return Math.max(0, a.longValue(i));
      case DOUBLE:
        double d = a.doubleValue(i);
        return d > 0 && d < 9.0e18 ? (long) d : 0;
      case STRING:
        try {
          return Math.max(0, Long.parseLong(a.string(i).trim()));
        } catch (NumberFormatException e) {
          return 0;
        }
      default:
        return 0;
    }
  }

  /** A number as a double, NaN when absent or not numeric. */
  static double number(Attributes a, int i) {
    if (i < 0) {
      return Double.NaN;
    }
    switch (a.type(i)) {
      case INT:
        return a.longValue(i);
      case DOUBLE:
        return a.doubleValue(i);
      case STRING:
        try {
          return Double.parseDouble(a.string(i).trim());
        } catch (NumberFormatException e) {
          return Double.NaN;
        }
      default:
        return Double.NaN;
    }
  }

  /** A flag written as a bool or as the string "true". */
  static boolean flag(Attributes a, int i) {
    if (i < 0) {
      return false;
    }
    return a.type(i) == ValueType.BOOL ? a.boolValue(i) : is(a, i, TRUE);
  }

  private static final byte[] TRUE = ascii("true");

  /** Whether attribute {@code i} holds a non-empty string. */
  static boolean nonEmptyString(Attributes a, int i) {
    return i >= 0 && a.type(i) == ValueType.STRING && a.valueLength(i) > 0;
  }

  /**
   * Where the first string of an array attribute (or the string itself) sits: {@code offset << 32 |
   * length}, or -1. Walks the array's protobuf bytes directly (the reader validated them) so the
   * common {@code ["stop"]} costs no allocation.
   */
  static long firstString(Attributes a, int i) {
    if (i < 0) {
      return -1;
    }
    if (a.type(i) == ValueType.STRING) {
      return (long) a.valueOffset(i) << 32 | a.valueLength(i);
    }
    if (a.type(i) != ValueType.ARRAY) {
      return -1;
    }
    byte[] b = a.buffer();
    int p = a.valueOffset(i);
    int end = p + a.valueLength(i);
    while (p < end) {
      int tag = b[p++] & 0xff; // ArrayValue.values = field 1, length-delimited
      long len = varint(b, p);
      p = (int) (len >>> 32);
      int l = (int) len;
      if (tag == 0x0a) {
        int q = p;
        int valueEnd = p + l;
        while (q < valueEnd) {
          int t = b[q++] & 0xff;
          long vl = varint(b, q);
          q = (int) (vl >>> 32);
          if (t == 0x0a) { // AnyValue.string_value
            return (long) q << 32 | (int) vl;
          }
          if ((t & 7) == 2) {
            q += (int) vl;
          } else {
            break; // a non-string element: look no further
          }
        }
        return -1;
      }
      p += l;
    }
    return -1;
  }

  /** Reads a varint at {@code p}: returns {@code next position << 32 | value} (value < 2^31). */
  private static long varint(byte[] b, int p) {
    int v = 0;
    int shift = 0;
    while (true) {
      int x = b[p++];
      v |= (x & 0x7f) << shift;
      if (x >= 0 || shift >= 28) {
        return (long) p << 32 | (v & 0xffffffffL);
      }
      shift += 7;
    }
  }
}
