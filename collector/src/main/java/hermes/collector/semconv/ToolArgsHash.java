package hermes.collector.semconv;

import hermes.collector.proto.Attributes;
import hermes.collector.proto.ValueType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A tool call's arguments as a 64-bit hash, read from the request bytes where the attribute sits:
 * the runaway guard {@code guards.tool_repeat} compares calls by it, so the arguments' text is
 * never decoded, kept or shown. Every byte counts (8 at a time), so arguments that differ anywhere
 * hash apart (a collision needs about 2^32 distinct arguments in one turn).
 *
 * <p>Threading: stateless.
 */
final class ToolArgsHash {
  /** The hash of "no arguments": such a call is never compared. */
  static final long NONE = 0;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long P1 = 0x9E3779B97F4A7C15L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;

  private ToolArgsHash() {}

  /** The hash of attribute {@code i} (any type), or {@link #NONE} when {@code i < 0}. */
  static long of(Attributes a, int i) {
    if (i < 0) {
      return NONE;
    }
    ValueType type = a.type(i);
    long h =
        switch (type) {
          case INT -> mix(a.longValue(i) ^ P2);
          case DOUBLE -> mix(Double.doubleToLongBits(a.doubleValue(i)) ^ P1);
          case BOOL -> a.boolValue(i) ? P1 : P2;
          default -> bytes(a.buffer(), a.valueOffset(i), a.valueLength(i));
        };
    h ^= type.ordinal();
    h = mix(h);
    return h == NONE ? 1 : h; // 0 means "no arguments"
  }

  /** A 64-bit hash of {@code len} bytes at {@code off}. */
  static long bytes(byte[] b, int off, int len) {
    long h = len * P1;
    int i = off;
    int end = off + len;
    for (; i + 8 <= end; i += 8) {
      h = Long.rotateLeft(h ^ ((long) LONGS.get(b, i) * P2), 31) * P1;
    }
    long tail = 0;
    for (int shift = 0; i < end; i++, shift += 8) {
      tail |= (b[i] & 0xffL) << shift;
    }
    return Long.rotateLeft(h ^ (tail * P2), 31) * P1;
  }

  /** The murmur3 finalizer: every input bit reaches every output bit. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
