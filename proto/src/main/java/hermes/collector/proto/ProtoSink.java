package hermes.collector.proto;

import java.util.Arrays;

/**
 * A growable protobuf writer for encoders that learn a message's size only after writing it.
 *
 * <p>Written by hand because protobuf-java's {@code CodedOutputStream} needs every nested message's
 * size before its first byte, which a streaming JSON transcoder cannot know. Nested messages
 * reserve one length byte and shift their body when the length needs more (rare: bodies of 128
 * bytes or more, once per nesting level).
 *
 * <p>Threading: single-threaded; not reusable across requests after {@link #toByteArray()}.
 */
final class ProtoSink {
  private byte[] buf;
  private int pos;

  ProtoSink(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  int position() {
    return pos;
  }

  void tag(int field, int wireType) {
    varint(Wire.tag(field, wireType));
  }

  void varint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  void fixed64(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (v >>> (8 * i));
    }
  }

  void fixed32(int v) {
    ensure(4);
    for (int i = 0; i < 4; i++) {
      buf[pos++] = (byte) (v >>> (8 * i));
    }
  }

  void bytes(int field, byte[] b) {
    tag(field, Wire.LEN);
    varint(b.length);
    ensure(b.length);
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
  }

  /** Appends {@code len} bytes of {@code b} from {@code off} exactly as they are. */
  void raw(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, pos, len);
    pos += len;
  }

  /** Starts a length-delimited field; returns the mark {@link #end} needs. */
  long begin(int field) {
    int tagAt = pos;
    tag(field, Wire.LEN);
    ensure(1);
    int lengthAt = pos++;
    return (long) tagAt << 32 | lengthAt;
  }

  /**
   * Ends the field started at {@code mark}, writing its length; drops the field entirely when it is
   * empty and {@code dropIfEmpty}.
   */
  void end(long mark, boolean dropIfEmpty) {
    int tagAt = (int) (mark >>> 32);
    int lengthAt = (int) mark;
    int len = pos - lengthAt - 1;
    if (len == 0 && dropIfEmpty) {
      pos = tagAt;
      return;
    }
    int size = varintSize(len);
    if (size > 1) {
      ensure(size - 1);
      System.arraycopy(buf, lengthAt + 1, buf, lengthAt + size, len);
    }
    int p = lengthAt;
    int v = len;
    while ((v & ~0x7F) != 0) {
      buf[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[p] = (byte) v;
    pos = lengthAt + size + len;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }

  private static int varintSize(int v) {
    int size = 1;
    while ((v & ~0x7F) != 0) {
      size++;
      v >>>= 7;
    }
    return size;
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
  }
}
