package hermes.collector.proto;

import java.nio.ByteBuffer;

/** Turns a {@link ByteBuffer} into the {@code byte[]} the readers walk, copying only if needed. */
final class Buffers {
  private Buffers() {}

  static byte[] toArray(ByteBuffer b) {
    if (b.hasArray()
        && b.arrayOffset() == 0
        && b.position() == 0
        && b.remaining() == b.array().length) {
      return b.array();
    }
    byte[] copy = new byte[b.remaining()];
    b.duplicate().get(copy);
    return copy;
  }
}
