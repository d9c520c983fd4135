package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/**
 * Protobuf wire-format helpers shared by the streaming readers: tags, bounded length prefixes,
 * skipping unknown fields, and turning protobuf-java's decoder errors into {@link
 * MalformedOtlpException}s that say what and where.
 */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  private Wire() {}

  static int tag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /**
   * A decoder over {@code buf[off, off+len)} with its limit pushed, so {@link
   * CodedInputStream#getBytesUntilLimit()} always tells what is left and a lying length prefix is
   * caught before anything is read or allocated.
   */
  static CodedInputStream decoder(byte[] buf, int off, int len) {
    CodedInputStream in = CodedInputStream.newInstance(buf, off, len);
    try {
      in.pushLimit(len);
    } catch (IOException e) {
      throw new IllegalStateException("a fresh decoder accepts its own length", e);
    }
    return in;
  }

  /** Reads a length prefix and checks it against the bytes left in the enclosing message. */
  static int length(CodedInputStream in, int base, int field)
      throws IOException, MalformedOtlpException {
    int at = base + in.getTotalBytesRead();
    int len = in.readRawVarint32();
    if (len < 0 || len > in.getBytesUntilLimit()) {
      throw new MalformedOtlpException(
          "Malformed: truncated length-delimited field " + field + " at byte " + at);
    }
    return len;
  }

  /** Skips a field this reader does not use, as protobuf does for unknown fields. */
  static void skip(CodedInputStream in, int tag, int base)
      throws IOException, MalformedOtlpException {
    int wireType = tag & 7;
    if (wireType == END_GROUP || wireType > FIXED32) {
      throw new MalformedOtlpException(
          "Malformed: invalid wire type "
              + wireType
              + " for field "
              + (tag >>> 3)
              + " at byte "
              + (base + in.getTotalBytesRead()));
    }
    if (wireType == LEN) {
      in.skipRawBytes(length(in, base, tag >>> 3));
    } else {
      in.skipField(tag);
    }
  }

  // Reading straight from the bytes, for the fast paths (Attributes.addFast,
  // TraceRequestReader.readSpanFast): each says -1 where the decoder would refuse the input or
  // where the fast path leaves it to the decoder, which then gives the exact result or error.

  /**
   * A length prefix at {@code p}: {@code position after it << 32 | length}, or -1 when it is longer
   * than four bytes or the length runs past {@code end} (the decoder refuses the latter; the former
   * is legal but never written, and left to it).
   */
  static long lengthAt(byte[] b, int p, int end) {
    int len = 0;
    for (int shift = 0; shift < 28; shift += 7) {
      if (p >= end) {
        return -1;
      }
      int v = b[p++];
      len |= (v & 0x7f) << shift;
      if (v >= 0) {
        return len <= end - p ? (long) p << 32 | len : -1;
      }
    }
    return -1;
  }

  /**
   * Skips the field whose one-byte tag was just read (at {@code p - 1}), as {@link #skip} does: the
   * position after it, or -1 for what the fast path leaves to the decoder (tags of more than one
   * byte, field 0, groups, invalid wire types, a malformed or truncated field).
   */
  static int skipAt(byte[] b, int tag, int p, int end) {
    if (tag < 8) {
      return -1; // a multi-byte tag (negative here) or field number 0
    }
    switch (tag & 7) {
      case Wire.VARINT:
        {
          int stop = p + Math.min(10, end - p);
          while (p < stop) {
            if (b[p++] >= 0) {
              return p;
            }
          }
          return -1;
        }
      case Wire.FIXED64:
        return end - p >= 8 ? p + 8 : -1;
      case Wire.LEN:
        {
          long r = lengthAt(b, p, end);
          return r < 0 ? -1 : (int) (r >>> 32) + (int) r;
        }
      case Wire.FIXED32:
        return end - p >= 4 ? p + 4 : -1;
      default:
        return -1;
    }
  }

  /** Translates a decoder error into the message a client sees. */
  static MalformedOtlpException malformed(IOException e, String where, long at) {
    String m = String.valueOf(e.getMessage());
    String what;
    if (m.contains("truncated") || m.contains("ended unexpectedly")) {
      what = "truncated input";
    } else if (m.contains("malformed varint")) {
      what = "malformed varint";
    } else if (m.contains("invalid tag")) {
      what = "invalid tag (field number zero)";
    } else if (m.contains("wire type")) {
      what = "invalid wire type";
    } else if (m.contains("end-group")) {
      what = "unmatched group tag";
    } else if (m.contains("recursion")) {
      what = "groups nested too deeply";
    } else if (m.contains("negative size")) {
      what = "negative length";
    } else {
      what = m;
    }
    return new MalformedOtlpException("Malformed: " + what + " in " + where + " at byte " + at);
  }
}
