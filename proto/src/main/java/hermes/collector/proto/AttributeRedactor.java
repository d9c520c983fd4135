package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Removes attributes by key from the spans (and span events) of a serialized {@code
 * ExportTraceServiceRequest}, by rewriting its bytes: every field it does not remove is copied as
 * it was, so a span without such attributes stays byte-identical and only the length prefixes of
 * the messages that shrank change. A request that contains none of the keys is returned as is.
 *
 * <p>Threading: immutable, safe to share. Input must be a request the reader accepted.
 */
public final class AttributeRedactor {
  private final byte[][] keys;

  /** A redactor for these attribute keys (e.g. {@code hermes.tool.args}). */
  public AttributeRedactor(List<String> keys) {
    Objects.requireNonNull(keys, "keys");
    this.keys = new byte[keys.size()][];
    for (int i = 0; i < this.keys.length; i++) {
      this.keys[i] = keys.get(i).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * The request without the redacted attributes ({@code request} itself when it has none).
   *
   * @throws MalformedOtlpException when the bytes are not a valid request
   */
  public byte[] redact(byte[] request) throws MalformedOtlpException {
    if (keys.length == 0 || !containsKey(request, 0, request.length)) {
      return request; // fast path: none of the keys' bytes occur anywhere
    }
    try {
      ProtoSink out = new ProtoSink(request.length);
      copyRewriting(request, 0, request.length, out, Level.REQUEST);
      return out.toByteArray();
    } catch (IOException e) {
      throw Wire.malformed(e, "ExportTraceServiceRequest", 0);
    }
  }

  /** Whether any key's bytes occur in {@code buf[off, off+len)}: a cheap over-approximation. */
  private boolean containsKey(byte[] buf, int off, int len) {
    for (byte[] k : keys) {
      if (occurs(buf, off, off + len, k)) {
        return true;
      }
    }
    return false;
  }

  private static boolean occurs(byte[] b, int from, int to, byte[] k) {
    outer:
    for (int i = from; i + k.length <= to; i++) {
      for (int j = 0; j < k.length; j++) {
        if (b[i + j] != k[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Which message a byte range is, and which of its fields hold what to rewrite. */
  private enum Level {
    REQUEST(1), // resource_spans
    RESOURCE_SPANS(2), // scope_spans
    SCOPE_SPANS(2), // spans
    SPAN(9), // attributes (events = 11, handled below)
    EVENT(3); // attributes

    final int field;

    Level(int field) {
      this.field = field;
    }

    Level child() {
      switch (this) {
        case REQUEST:
          return RESOURCE_SPANS;
        case RESOURCE_SPANS:
          return SCOPE_SPANS;
        case SCOPE_SPANS:
          return SPAN;
        default:
          return null;
      }
    }
  }

  /**
   * Copies the fields of {@code buf[off, off+len)} to {@code out}, rewriting as {@code level} says.
   */
  private void copyRewriting(byte[] buf, int off, int len, ProtoSink out, Level level)
      throws IOException, MalformedOtlpException {
    CodedInputStream in = Wire.decoder(buf, off, len);
    while (true) {
      int fieldStart = off + in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      int field = tag >>> 3;
      if ((tag & 7) != Wire.LEN) {
        Wire.skip(in, tag, off);
        out.raw(buf, fieldStart, off + in.getTotalBytesRead() - fieldStart);
        continue;
      }
      int l = Wire.length(in, off, field);
      int payload = off + in.getTotalBytesRead();
      in.skipRawBytes(l);
      int fieldEnd = payload + l;
      boolean attributes = field == level.field && (level == Level.SPAN || level == Level.EVENT);
      if (attributes && redacted(buf, payload, l)) {
        continue; // the attribute goes
      }
      Level nested =
          field == level.field && level.child() != null
              ? level.child()
              : level == Level.SPAN && field == 11 ? Level.EVENT : null;
      if (nested == null || !containsKey(buf, payload, l)) {
        out.raw(buf, fieldStart, fieldEnd - fieldStart); // unchanged, byte for byte
        continue;
      }
      long mark = out.begin(field);
      copyRewriting(buf, payload, l, out, nested);
      out.end(mark, false);
    }
  }

  /** Whether the KeyValue at {@code buf[off, off+len)} has one of the keys. */
  private boolean redacted(byte[] buf, int off, int len)
      throws IOException, MalformedOtlpException {
    CodedInputStream in = Wire.decoder(buf, off, len);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.KEY_VALUE_KEY) {
        int l = Wire.length(in, off, tag >>> 3);
        int at = off + in.getTotalBytesRead();
        for (byte[] k : keys) {
          if (k.length == l && Arrays.equals(buf, at, at + l, k, 0, l)) {
            return true;
          }
        }
        return false;
      }
      Wire.skip(in, tag, off);
    }
    return false;
  }
}
