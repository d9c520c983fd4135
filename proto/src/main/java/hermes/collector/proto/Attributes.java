package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A reusable index of the {@code repeated KeyValue attributes} of one OTLP message, pointing into
 * the request bytes: keys and string values stay bytes until someone asks for a {@code String};
 * scalar values are decoded while indexing (no allocation).
 *
 * <p>Threading: owned by one reader on one thread; valid only during the visitor callback that
 * hands it out. Bounds: at most {@code maxAttributes} entries are indexed, the rest counted in
 * {@link #unindexed()}; nested values deeper than {@code maxDepth} fail the request.
 *
 * <pre>{@code
 * int i = span.attributes().find(GEN_AI_REQUEST_MODEL); // byte[] of the UTF-8 key
 * if (i >= 0 && span.attributes().type(i) == ValueType.STRING) model = intern(span, i);
 * }</pre>
 */
public final class Attributes {
  private static final int STRIDE = 5; // keyOff, keyLen, type, valueOff, valueLen
  private static final int KEY_OFF = 0;
  private static final int KEY_LEN = 1;
  private static final int TYPE = 2;
  private static final int VAL_OFF = 3;
  private static final int VAL_LEN = 4;
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final int maxAttributes;
  private final int maxDepth;
  private byte[] buf = new byte[0];
  private int size;
  private int unindexed;
  private int[] index = new int[STRIDE * 16];
  private long[] scalars = new long[16];

  /** Whether {@link #addFast} reads at all (false: always the decoder); tests compare both. */
  boolean fastPath = true;

  Attributes(int maxAttributes, int maxDepth) {
    this.maxAttributes = maxAttributes;
    this.maxDepth = maxDepth;
  }

  void reset(byte[] buffer) {
    buf = buffer;
    size = 0;
    unindexed = 0;
  }

  /** Number of indexed attributes. */
  public int size() {
    return size;
  }

  /** Attributes present on the wire but not indexed because of the per-message bound. */
  public int unindexed() {
    return unindexed;
  }

  /** The index of the first attribute whose key equals the given UTF-8 bytes, or -1. */
  public int find(byte[] utf8Key) {
    for (int i = 0; i < size; i++) {
      if (keyEquals(i, utf8Key)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether attribute {@code i}'s key equals the given UTF-8 bytes; allocates nothing. */
  public boolean keyEquals(int i, byte[] utf8Key) {
    int o = i * STRIDE;
    int off = index[o + KEY_OFF];
    int len = index[o + KEY_LEN];
    return len == utf8Key.length && Arrays.equals(buf, off, off + len, utf8Key, 0, len);
  }

  /** Offset of attribute {@code i}'s key bytes in {@link #buffer()}. */
  public int keyOffset(int i) {
    return index[i * STRIDE + KEY_OFF];
  }

  /** Length of attribute {@code i}'s key bytes. */
  public int keyLength(int i) {
    return index[i * STRIDE + KEY_LEN];
  }

  /**
   * Whether attribute {@code i} is a string equal to {@code asciiLower} ignoring ASCII case;
   * allocates nothing. {@code asciiLower} must be lower-case ASCII.
   */
  public boolean stringEqualsIgnoreCase(int i, byte[] asciiLower) {
    int o = i * STRIDE;
    if (index[o + TYPE] != ValueType.STRING.ordinal() || index[o + VAL_LEN] != asciiLower.length) {
      return false;
    }
    int off = index[o + VAL_OFF];
    for (int k = 0; k < asciiLower.length; k++) {
      int c = buf[off + k];
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != asciiLower[k]) {
        return false;
      }
    }
    return true;
  }

  /** The key of attribute {@code i} (allocates). */
  public String key(int i) {
    int o = i * STRIDE;
    return new String(buf, index[o + KEY_OFF], index[o + KEY_LEN], StandardCharsets.UTF_8);
  }

  /** The value type of attribute {@code i}. */
  public ValueType type(int i) {
    return ValueType.of(index[i * STRIDE + TYPE]);
  }

  /** The string value of attribute {@code i} (allocates); null unless its type is STRING. */
  public String string(int i) {
    int o = i * STRIDE;
    if (index[o + TYPE] != ValueType.STRING.ordinal()) {
      return null;
    }
    return new String(buf, index[o + VAL_OFF], index[o + VAL_LEN], StandardCharsets.UTF_8);
  }

  /** Whether attribute {@code i} is a string equal to the given UTF-8 bytes; allocates nothing. */
  public boolean stringEquals(int i, byte[] utf8) {
    int o = i * STRIDE;
    int off = index[o + VAL_OFF];
    int len = index[o + VAL_LEN];
    return index[o + TYPE] == ValueType.STRING.ordinal()
        && len == utf8.length
        && Arrays.equals(buf, off, off + len, utf8, 0, len);
  }

  /** The buffer that {@link #valueOffset} and {@link #valueLength} index into. */
  public byte[] buffer() {
    return buf;
  }

  /** Offset of attribute {@code i}'s raw value bytes (string, bytes, array or kvlist payload). */
  public int valueOffset(int i) {
    return index[i * STRIDE + VAL_OFF];
  }

  /** Length of attribute {@code i}'s raw value bytes. */
  public int valueLength(int i) {
    return index[i * STRIDE + VAL_LEN];
  }

  /** The int value of attribute {@code i}; 0 unless its type is INT. */
  public long longValue(int i) {
    return index[i * STRIDE + TYPE] == ValueType.INT.ordinal() ? scalars[i] : 0L;
  }

  /** The double value of attribute {@code i}; 0 unless its type is DOUBLE. */
  public double doubleValue(int i) {
    return index[i * STRIDE + TYPE] == ValueType.DOUBLE.ordinal()
        ? Double.longBitsToDouble(scalars[i])
        : 0d;
  }

  /** The bool value of attribute {@code i}; false unless its type is BOOL. */
  public boolean boolValue(int i) {
    return index[i * STRIDE + TYPE] == ValueType.BOOL.ordinal() && scalars[i] != 0;
  }

  /**
   * The value of attribute {@code i} decoded into plain Java objects: {@code String}, {@code
   * Boolean}, {@code Long}, {@code Double}, {@code byte[]}, {@code List<Object>} for arrays, {@code
   * List<KeyValueEntry>} for kvlists, null for an empty value. Allocates; meant for the slow paths
   * (APIs, tests), not per span.
   */
  public Object value(int i) {
    int o = i * STRIDE;
    int off = index[o + VAL_OFF];
    int len = index[o + VAL_LEN];
    switch (ValueType.of(index[o + TYPE])) {
      case STRING:
        return new String(buf, off, len, StandardCharsets.UTF_8);
      case BOOL:
        return scalars[i] != 0;
      case INT:
        return scalars[i];
      case DOUBLE:
        return Double.longBitsToDouble(scalars[i]);
      case BYTES:
        return Arrays.copyOfRange(buf, off, off + len);
      case ARRAY:
        return decodeArray(buf, off, len);
      case KVLIST:
        return decodeKvList(buf, off, len);
      default:
        return null;
    }
  }

  /** The string elements of an ARRAY attribute (non-strings skipped); empty for other types. */
  public List<String> stringArray(int i) {
    if (type(i) != ValueType.ARRAY) {
      return Collections.emptyList();
    }
    List<String> out = new ArrayList<>();
    for (Object o : decodeArray(buf, valueOffset(i), valueLength(i))) {
      if (o instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Indexes one {@code KeyValue} occupying {@code buf[start, start + len)} straight from the bytes,
   * without a decoder: the fast path of {@link #add}, same results. Every read is bounded by the
   * message's end, so it never reads past what {@link #add} would. It takes the common wire shapes
   * only (one-byte tags, lengths under 2^28, one-byte bools) and returns false on anything else, or
   * on anything {@link #add} would refuse (a group, a malformed or truncated field, a value nested
   * too deep), leaving {@link #size()} unchanged: the caller then runs {@link #add} over the same
   * bytes, which gives the exact result or error. Nested values are still walked here, so a value
   * accepted now cannot fail when decoded later.
   *
   * @return whether the attribute was taken (indexed, or counted as unindexed)
   */
  boolean addFast(int start, int len) {
    if (!fastPath) {
      return false;
    }
    if (size == maxAttributes) {
      unindexed++; // not walked, as add() does not walk it either
      return true;
    }
    if (size == scalars.length) {
      scalars = Arrays.copyOf(scalars, size * 2);
      index = Arrays.copyOf(index, size * 2 * STRIDE);
    }
    byte[] b = buf;
    int[] x = index;
    int o = size * STRIDE;
    x[o + KEY_OFF] = 0;
    x[o + KEY_LEN] = 0;
    x[o + TYPE] = ValueType.EMPTY.ordinal();
    x[o + VAL_OFF] = 0;
    x[o + VAL_LEN] = 0;
    scalars[size] = 0;
    int p = start;
    int end = start + len;
    while (p < end) {
      int tag = b[p++];
      if (tag == Tags.KEY_VALUE_KEY || tag == Tags.KEY_VALUE_VALUE) {
        long r = Wire.lengthAt(b, p, end);
        if (r < 0) {
          return false;
        }
        p = (int) (r >>> 32);
        int l = (int) r;
        if (tag == Tags.KEY_VALUE_KEY) {
          x[o + KEY_OFF] = p;
          x[o + KEY_LEN] = l;
        } else if (!anyValueFast(b, p, p + l, o)) {
          return false;
        }
        p += l;
      } else if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
        return false;
      }
    }
    size++;
    return true;
  }

  /** {@link #readAnyValue} over {@code b[p, end)}; false where it would throw or is not sure. */
  private boolean anyValueFast(byte[] b, int p, int end, int o) {
    int[] x = index;
    while (p < end) {
      int tag = b[p++];
      switch (tag) {
        case Tags.ANY_STRING_VALUE:
        case Tags.ANY_BYTES_VALUE:
        case Tags.ANY_ARRAY_VALUE:
        case Tags.ANY_KVLIST_VALUE:
          {
            long r = Wire.lengthAt(b, p, end);
            if (r < 0) {
              return false;
            }
            p = (int) (r >>> 32);
            int l = (int) r;
            ValueType type =
                tag == Tags.ANY_STRING_VALUE
                    ? ValueType.STRING
                    : tag == Tags.ANY_BYTES_VALUE
                        ? ValueType.BYTES
                        : tag == Tags.ANY_ARRAY_VALUE ? ValueType.ARRAY : ValueType.KVLIST;
            x[o + TYPE] = type.ordinal();
            x[o + VAL_OFF] = p;
            x[o + VAL_LEN] = l;
            if ((type == ValueType.ARRAY || type == ValueType.KVLIST)
                && !elementsFast(b, p, p + l, type == ValueType.KVLIST, 1)) {
              return false;
            }
            p += l;
            break;
          }
        case Tags.ANY_BOOL_VALUE:
          {
            if (p >= end || b[p] < 0) {
              return false; // a bool written in more than one byte: add() decodes it
            }
            x[o + TYPE] = ValueType.BOOL.ordinal();
            scalars[o / STRIDE] = b[p++] != 0 ? 1 : 0;
            break;
          }
        case Tags.ANY_INT_VALUE:
          {
            // As readVarint: at most ten bytes, and within the message.
            int stop = p + Math.min(10, end - p);
            long value = 0;
            int at = p;
            for (int shift = 0; ; at++, shift += 7) {
              if (at == stop) {
                return false;
              }
              byte v = b[at];
              value |= (long) (v & 0x7f) << shift;
              if (v >= 0) {
                break;
              }
            }
            x[o + TYPE] = ValueType.INT.ordinal();
            scalars[o / STRIDE] = value;
            p = at + 1;
            break;
          }
        case Tags.ANY_DOUBLE_VALUE:
          {
            if (end - p < 8) {
              return false;
            }
            x[o + TYPE] = ValueType.DOUBLE.ordinal();
            scalars[o / STRIDE] = (long) LONG_LE.get(b, p);
            p += 8;
            break;
          }
        default:
          if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
            return false;
          }
      }
    }
    return true;
  }

  /** {@link #checkElements} over {@code b[p, end)}; false where it would throw. */
  private boolean elementsFast(byte[] b, int p, int end, boolean kvlist, int depth) {
    if (depth > maxDepth) {
      return false;
    }
    while (p < end) {
      int tag = b[p++];
      if (tag != Tags.ARRAY_VALUES) { // also KVLIST_VALUES: both are field 1 (TagsTest)
        if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
          return false;
        }
        continue;
      }
      long r = Wire.lengthAt(b, p, end);
      if (r < 0) {
        return false;
      }
      p = (int) (r >>> 32);
      int l = (int) r;
      if (!(kvlist ? keyValueFast(b, p, p + l, depth) : anyValueCheckFast(b, p, p + l, depth))) {
        return false;
      }
      p += l;
    }
    return true;
  }

  /** {@link #checkKeyValue} over {@code b[p, end)}. */
  private boolean keyValueFast(byte[] b, int p, int end, int depth) {
    while (p < end) {
      int tag = b[p++];
      if (tag == Tags.KEY_VALUE_VALUE) {
        long r = Wire.lengthAt(b, p, end);
        if (r < 0) {
          return false;
        }
        p = (int) (r >>> 32);
        int l = (int) r;
        if (!anyValueCheckFast(b, p, p + l, depth)) {
          return false;
        }
        p += l;
      } else if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** {@link #checkAnyValue} over {@code b[p, end)}. */
  private boolean anyValueCheckFast(byte[] b, int p, int end, int depth) {
    while (p < end) {
      int tag = b[p++];
      if (tag == Tags.ANY_ARRAY_VALUE || tag == Tags.ANY_KVLIST_VALUE) {
        long r = Wire.lengthAt(b, p, end);
        if (r < 0) {
          return false;
        }
        p = (int) (r >>> 32);
        int l = (int) r;
        if (!elementsFast(b, p, p + l, tag == Tags.ANY_KVLIST_VALUE, depth + 1)) {
          return false;
        }
        p += l;
      } else if ((p = Wire.skipAt(b, tag, p, end)) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Indexes one {@code KeyValue} whose payload the decoder is positioned on (limit pushed). Nested
   * array/kvlist values are walked to check their structure and depth, so a request accepted here
   * never fails later when a value is decoded.
   */
  void add(CodedInputStream in, int base) throws IOException, MalformedOtlpException {
    if (size == maxAttributes) {
      unindexed++;
      in.skipRawBytes(in.getBytesUntilLimit());
      return;
    }
    if (size == scalars.length) {
      scalars = Arrays.copyOf(scalars, size * 2);
      index = Arrays.copyOf(index, size * 2 * STRIDE);
    }
    int o = size * STRIDE;
    index[o + KEY_OFF] = 0;
    index[o + KEY_LEN] = 0;
    index[o + TYPE] = ValueType.EMPTY.ordinal();
    index[o + VAL_OFF] = 0;
    index[o + VAL_LEN] = 0;
    scalars[size] = 0;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag == Tags.KEY_VALUE_KEY) {
        int len = Wire.length(in, base, tag >>> 3);
        index[o + KEY_OFF] = base + in.getTotalBytesRead();
        index[o + KEY_LEN] = len;
        in.skipRawBytes(len);
      } else if (tag == Tags.KEY_VALUE_VALUE) {
        int len = Wire.length(in, base, tag >>> 3);
        int old = in.pushLimit(len);
        readAnyValue(in, base, o);
        in.popLimit(old);
      } else {
        Wire.skip(in, tag, base);
      }
    }
    size++;
  }

  private void readAnyValue(CodedInputStream in, int base, int o)
      throws IOException, MalformedOtlpException {
    while (true) {
      int tag = in.readTag();
      switch (tag) {
        case 0:
          return;
        case Tags.ANY_STRING_VALUE:
          setRange(in, base, o, ValueType.STRING, tag >>> 3);
          break;
        case Tags.ANY_BOOL_VALUE:
          index[o + TYPE] = ValueType.BOOL.ordinal();
          scalars[o / STRIDE] = in.readBool() ? 1 : 0;
          break;
        case Tags.ANY_INT_VALUE:
          index[o + TYPE] = ValueType.INT.ordinal();
          scalars[o / STRIDE] = readVarint(in, base);
          break;
        case Tags.ANY_DOUBLE_VALUE:
          index[o + TYPE] = ValueType.DOUBLE.ordinal();
          scalars[o / STRIDE] = in.readFixed64();
          break;
        case Tags.ANY_ARRAY_VALUE:
          setNested(in, base, o, ValueType.ARRAY, tag >>> 3);
          break;
        case Tags.ANY_KVLIST_VALUE:
          setNested(in, base, o, ValueType.KVLIST, tag >>> 3);
          break;
        case Tags.ANY_BYTES_VALUE:
          setRange(in, base, o, ValueType.BYTES, tag >>> 3);
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }

  /**
   * Reads an int value's varint straight from the buffer. {@code CodedInputStream} decodes any
   * multi-byte varint that ends within ten bytes of a pushed limit on its slow path, and an
   * attribute's int value always ends at two (its KeyValue's and its AnyValue's): every token count
   * took it (7% of an I/O thread's time, measured). Same results and same refusals: a varint longer
   * than ten bytes is malformed, one cut by the limit is truncated.
   */
  private long readVarint(CodedInputStream in, int base)
      throws IOException, MalformedOtlpException {
    int start = base + in.getTotalBytesRead();
    int end = start + Math.min(10, in.getBytesUntilLimit());
    long value = 0;
    for (int at = start, shift = 0; at < end; at++, shift += 7) {
      byte b = buf[at];
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        in.skipRawBytes(at + 1 - start);
        return value;
      }
    }
    throw new MalformedOtlpException(
        (end - start == 10
                ? "Malformed: varint longer than 10 bytes"
                : "Malformed: truncated varint")
            + " at byte "
            + start);
  }

  private void setRange(CodedInputStream in, int base, int o, ValueType type, int field)
      throws IOException, MalformedOtlpException {
    int len = Wire.length(in, base, field);
    index[o + TYPE] = type.ordinal();
    index[o + VAL_OFF] = base + in.getTotalBytesRead();
    index[o + VAL_LEN] = len;
    in.skipRawBytes(len);
  }

  /**
   * Records an ArrayValue or KeyValueList like {@link #setRange}, after walking it for wire
   * structure and nesting depth with the same decoder (limits pushed per element: a nested value
   * costs no decoder of its own).
   */
  private void setNested(CodedInputStream in, int base, int o, ValueType type, int field)
      throws IOException, MalformedOtlpException {
    int len = Wire.length(in, base, field);
    index[o + TYPE] = type.ordinal();
    index[o + VAL_OFF] = base + in.getTotalBytesRead();
    index[o + VAL_LEN] = len;
    int limit = in.pushLimit(len);
    checkElements(in, base, type == ValueType.KVLIST, 1);
    in.popLimit(limit);
  }

  /** Walks the elements up to the current limit: AnyValues, or KeyValues when {@code kvlist}. */
  private void checkElements(CodedInputStream in, int base, boolean kvlist, int depth)
      throws IOException, MalformedOtlpException {
    if (depth > maxDepth) {
      throw new MalformedOtlpException(
          "Malformed: attribute value nested deeper than "
              + maxDepth
              + " levels at byte "
              + (base + in.getTotalBytesRead()));
    }
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      if (tag != Tags.ARRAY_VALUES) { // also KVLIST_VALUES: both are field 1 (TagsTest)
        Wire.skip(in, tag, base);
        continue;
      }
      int limit = in.pushLimit(Wire.length(in, base, tag >>> 3));
      if (kvlist) {
        checkKeyValue(in, base, depth);
      } else {
        checkAnyValue(in, base, depth);
      }
      in.popLimit(limit);
    }
  }

  private void checkKeyValue(CodedInputStream in, int base, int depth)
      throws IOException, MalformedOtlpException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      if (tag == Tags.KEY_VALUE_VALUE) {
        int limit = in.pushLimit(Wire.length(in, base, tag >>> 3));
        checkAnyValue(in, base, depth);
        in.popLimit(limit);
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }

  private void checkAnyValue(CodedInputStream in, int base, int depth)
      throws IOException, MalformedOtlpException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      if (tag == Tags.ANY_ARRAY_VALUE || tag == Tags.ANY_KVLIST_VALUE) {
        int limit = in.pushLimit(Wire.length(in, base, tag >>> 3));
        checkElements(in, base, tag == Tags.ANY_KVLIST_VALUE, depth + 1);
        in.popLimit(limit);
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }

  // Decoding of nested values runs only on input that setNested already accepted.

  private static List<Object> decodeArray(byte[] b, int off, int len) {
    List<Object> out = new ArrayList<>();
    try {
      CodedInputStream in = Wire.decoder(b, off, len);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == Tags.ARRAY_VALUES) {
          int l = in.readRawVarint32();
          out.add(decodeAnyValue(b, off + in.getTotalBytesRead(), l));
          in.skipRawBytes(l);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("value was validated when indexed", e);
    }
    return out;
  }

  private static List<KeyValueEntry> decodeKvList(byte[] b, int off, int len) {
    List<KeyValueEntry> out = new ArrayList<>();
    try {
      CodedInputStream in = Wire.decoder(b, off, len);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == Tags.KVLIST_VALUES) {
          int l = in.readRawVarint32();
          out.add(decodeKeyValue(b, off + in.getTotalBytesRead(), l));
          in.skipRawBytes(l);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("value was validated when indexed", e);
    }
    return out;
  }

  private static KeyValueEntry decodeKeyValue(byte[] b, int off, int len) throws IOException {
    CodedInputStream in = Wire.decoder(b, off, len);
    String key = "";
    Object value = null;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.KEY_VALUE_KEY) {
        key = in.readString();
      } else if (tag == Tags.KEY_VALUE_VALUE) {
        int l = in.readRawVarint32();
        value = decodeAnyValue(b, off + in.getTotalBytesRead(), l);
        in.skipRawBytes(l);
      } else {
        in.skipField(tag);
      }
    }
    return new KeyValueEntry(key, value);
  }

  private static Object decodeAnyValue(byte[] b, int off, int len) throws IOException {
    CodedInputStream in = Wire.decoder(b, off, len);
    Object value = null;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.ANY_STRING_VALUE:
          value = in.readString();
          break;
        case Tags.ANY_BOOL_VALUE:
          value = in.readBool();
          break;
        case Tags.ANY_INT_VALUE:
          value = in.readInt64();
          break;
        case Tags.ANY_DOUBLE_VALUE:
          value = Double.longBitsToDouble(in.readFixed64());
          break;
        case Tags.ANY_ARRAY_VALUE:
          {
            int l = in.readRawVarint32();
            value = decodeArray(b, off + in.getTotalBytesRead(), l);
            in.skipRawBytes(l);
            break;
          }
        case Tags.ANY_KVLIST_VALUE:
          {
            int l = in.readRawVarint32();
            value = decodeKvList(b, off + in.getTotalBytesRead(), l);
            in.skipRawBytes(l);
            break;
          }
        case Tags.ANY_BYTES_VALUE:
          value = in.readByteArray();
          break;
        default:
          in.skipField(tag);
      }
    }
    return value;
  }
}
