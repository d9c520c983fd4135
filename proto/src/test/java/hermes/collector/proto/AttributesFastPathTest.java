package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Attributes#addFast} (bytes read directly) against {@link Attributes#add} (the decoder),
 * over well-formed attributes and mutated ones: whatever the fast path takes, the decoder takes
 * too, with the same index entry; what it does not take it leaves untouched, for the decoder to
 * read or refuse. Seeded, so every run checks the same inputs.
 */
class AttributesFastPathTest {
  private static final int MAX_DEPTH = 3;

  @Test
  void wellFormedAttributesTakeTheFastPathWithTheDecodersResult() throws Exception {
    Random r = new Random(16);
    for (int n = 0; n < 20_000; n++) {
      byte[] kv = Requests.kv(Requests.text(r), Requests.value(r, 0)).toByteArray();
      int pad = r.nextInt(5);
      Outcome fast = fast(kv, pad);
      assertThat(fast.taken).as("input %s", Arrays.toString(kv)).isTrue();
      assertThat(fast.entry).isEqualTo(decoder(kv, pad).entry);
    }
  }

  @Test
  void mutatedAttributesAreReadAsTheDecoderReadsThem() {
    Random r = new Random(61);
    int taken = 0;
    int left = 0;
    for (int n = 0; n < 50_000; n++) {
      byte[] kv = mutate(r, Requests.kv(Requests.text(r), Requests.value(r, 0)).toByteArray());
      int pad = r.nextInt(5);
      Outcome fast = fast(kv, pad);
      Outcome slow = decoder(kv, pad);
      if (fast.taken) {
        taken++;
        assertThat(slow.refused).as("input %s", Arrays.toString(kv)).isNull();
        assertThat(fast.entry).as("input %s", Arrays.toString(kv)).isEqualTo(slow.entry);
      } else {
        left++;
        assertThat(fast.entry).as("left untouched").isEmpty();
      }
    }
    assertThat(taken).isGreaterThan(1_000);
    assertThat(left).isGreaterThan(1_000);
  }

  @Test
  void unusualButValidShapesAreLeftToTheDecoder() throws Exception {
    // A bool in two bytes, a length in five, a two-byte tag of an unknown field, a group.
    byte[][] inputs = {
      {0x0a, 0x01, 'k', 0x12, 0x03, 0x10, (byte) 0x81, 0x00},
      {0x0a, (byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00, 'k'},
      {0x0a, 0x01, 'k', (byte) 0x80, 0x01, 0x00},
      {0x0a, 0x01, 'k', 0x1b, 0x08, 0x01, 0x1c},
    };
    for (byte[] kv : inputs) {
      assertThat(fast(kv, 1).taken).as(Arrays.toString(kv)).isFalse();
      Outcome slow = decoder(kv, 1);
      assertThat(slow.refused).as(Arrays.toString(kv)).isNull();
      assertThat(slow.entry).hasSize(2);
    }
  }

  @Test
  void nestingPastTheBoundIsRefusedByTheDecodersMessage() {
    AnyValue deep = Requests.str("x");
    for (int i = 0; i <= MAX_DEPTH; i++) {
      deep = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(deep)).build();
    }
    byte[] kv = KeyValue.newBuilder().setKey("k").setValue(deep).build().toByteArray();
    assertThat(fast(kv, 0).taken).isFalse();
    assertThat(decoder(kv, 0).refused).contains("nested deeper than 3 levels");
  }

  @Test
  void pastTheBoundAttributesAreCountedUnreadOnBothPaths() {
    byte[] kv = Requests.kv("k", Requests.str("v")).toByteArray();
    byte[] buf = Arrays.copyOf(kv, kv.length);
    Attributes a = new Attributes(1, MAX_DEPTH);
    a.reset(buf);
    assertThat(a.addFast(0, kv.length)).isTrue();
    byte[] broken = {(byte) 0xff}; // not even a tag: past the bound nothing is read
    a.reset(broken);
    a.addFast(0, 0); // the one slot, empty
    assertThat(a.addFast(0, 1)).isTrue();
    assertThat(a.size()).isEqualTo(1);
    assertThat(a.unindexed()).isEqualTo(1);
  }

  private record Outcome(boolean taken, List<String> entry, String refused) {}

  private static Outcome fast(byte[] kv, int pad) {
    byte[] buf = padded(kv, pad);
    Attributes a = new Attributes(1024, MAX_DEPTH);
    a.reset(buf);
    boolean taken = a.addFast(pad, kv.length);
    return new Outcome(taken, describe(a, pad), null);
  }

  private static Outcome decoder(byte[] kv, int pad) {
    byte[] buf = padded(kv, pad);
    Attributes a = new Attributes(1024, MAX_DEPTH);
    a.reset(buf);
    CodedInputStream in = Wire.decoder(buf, pad, kv.length);
    try {
      a.add(in, pad);
    } catch (MalformedOtlpException e) {
      return new Outcome(false, describe(a, pad), e.getMessage());
    } catch (IOException e) {
      return new Outcome(false, describe(a, pad), "decoder: " + e.getMessage());
    }
    return new Outcome(true, describe(a, pad), null);
  }

  /** Every indexed attribute as text: offsets (relative to the pad), type, value. */
  private static List<String> describe(Attributes a, int pad) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      ValueType t = a.type(i);
      out.add("key=" + (a.keyOffset(i) - pad) + "+" + a.keyLength(i));
      out.add(
          t
              + " "
              + (t == ValueType.EMPTY ? "" : (a.valueOffset(i) - pad) + "+" + a.valueLength(i))
              + " "
              + a.longValue(i)
              + " "
              + Double.doubleToRawLongBits(a.doubleValue(i))
              + " "
              + a.boolValue(i)
              + " "
              + deep(a.value(i)));
    }
    return out;
  }

  private static String deep(Object v) {
    if (v instanceof byte[] b) {
      return Arrays.toString(b);
    }
    if (v instanceof List<?> l) {
      List<String> out = new ArrayList<>();
      for (Object o : l) {
        out.add(deep(o));
      }
      return out.toString();
    }
    if (v instanceof KeyValueEntry e) {
      return e.key() + "->" + deep(e.value());
    }
    return String.valueOf(v);
  }

  private static byte[] padded(byte[] kv, int pad) {
    byte[] buf = new byte[pad + kv.length + 3];
    Arrays.fill(buf, (byte) 0x80); // bytes around the message that a read past it would trip on
    System.arraycopy(kv, 0, buf, pad, kv.length);
    return buf;
  }

  /** One to three random edits: a byte changed, a cut, bytes inserted, a field appended. */
  private static byte[] mutate(Random r, byte[] in) {
    byte[] b = in;
    for (int k = 1 + r.nextInt(3); k > 0; k--) {
      switch (r.nextInt(5)) {
        case 0:
          if (b.length > 0) {
            b = b.clone();
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
          }
          break;
        case 1:
          b = Arrays.copyOf(b, r.nextInt(b.length + 1));
          break;
        case 2:
          {
            int at = r.nextInt(b.length + 1);
            byte[] extra = new byte[1 + r.nextInt(4)];
            r.nextBytes(extra);
            byte[] out = new byte[b.length + extra.length];
            System.arraycopy(b, 0, out, 0, at);
            System.arraycopy(extra, 0, out, at, extra.length);
            System.arraycopy(b, at, out, at + extra.length, b.length - at);
            b = out;
            break;
          }
        case 3:
          {
            // A field of a random number and wire type (groups and invalid types included).
            byte[] field = {
              (byte) (r.nextInt(6) << 3 | r.nextInt(8)), (byte) r.nextInt(4), 1, 2, 3, 4, 5, 6, 7, 8
            };
            byte[] out = Arrays.copyOf(b, b.length + 2 + r.nextInt(9));
            System.arraycopy(field, 0, out, b.length, out.length - b.length);
            b = out;
            break;
          }
        default:
          // Changing a length prefix's continuation bit: lies about lengths.
          if (b.length > 1) {
            b = b.clone();
            b[1 + r.nextInt(b.length - 1)] ^= (byte) 0x80;
          }
      }
    }
    return b;
  }
}
