package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hermes.collector.proto.JsonNumbers.Range;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonNumbersTest {
  @Test
  void readsPlainAndExponentIntegersAsProto3JsonDoes() {
    assertThat(JsonNumbers.integer("0", Range.INT64)).isZero();
    assertThat(JsonNumbers.integer("-0", Range.UINT64)).isZero();
    assertThat(JsonNumbers.integer("1544712660000000000", Range.UINT64))
        .isEqualTo(1544712660000000000L);
    assertThat(JsonNumbers.integer("9223372036854775807", Range.INT64)).isEqualTo(Long.MAX_VALUE);
    assertThat(JsonNumbers.integer("-9223372036854775808", Range.INT64)).isEqualTo(Long.MIN_VALUE);
    assertThat(JsonNumbers.integer("18446744073709551615", Range.UINT64)).isEqualTo(-1L);
    assertThat(JsonNumbers.integer("00042", Range.INT32)).isEqualTo(42);
    assertThat(JsonNumbers.integer("1e2", Range.INT32)).isEqualTo(100);
    assertThat(JsonNumbers.integer("1.5E1", Range.INT32)).isEqualTo(15);
    assertThat(JsonNumbers.integer("150e-1", Range.INT32)).isEqualTo(15);
    assertThat(JsonNumbers.integer("1.0", Range.INT32)).isEqualTo(1);
    assertThat(JsonNumbers.integer("0e30000000", Range.INT32)).isZero();
    assertThat(JsonNumbers.integer("1.544712660E18", Range.UINT64)).isEqualTo(1544712660000000000L);
    assertThat(JsonNumbers.integer("-2147483648", Range.INT32)).isEqualTo(Integer.MIN_VALUE);
    assertThat(JsonNumbers.integer("4294967295", Range.UINT32)).isEqualTo(0xFFFFFFFFL);
  }

  @Test
  void refusesByFormAndSizeBeforeConverting() {
    assertRefused("1e30000000", Range.UINT64, "out of range");
    assertRefused("-1e30000000", Range.INT64, "out of range");
    assertRefused("1e-30000000", Range.INT64, "not an integer");
    assertRefused("9".repeat(65), Range.INT64, "longer than 64 characters");
    assertRefused("18446744073709551616", Range.UINT64, "out of range");
    assertRefused("9223372036854775808", Range.INT64, "out of range");
    assertRefused("-9223372036854775809", Range.INT64, "out of range");
    assertRefused("-1", Range.UINT64, "out of range");
    assertRefused("-1", Range.UINT32, "out of range");
    assertRefused("2147483648", Range.INT32, "out of range");
    assertRefused("1.5", Range.INT64, "not an integer");
    for (String bad :
        new String[] {
          "",
          "-",
          "+1",
          " 1",
          "1 ",
          "0x10",
          "1e",
          "1.",
          ".5",
          "1e+",
          "Infinity",
          "NaN",
          "１２",
          "1_000",
          "1d",
          "--1",
          "1e5e5"
        }) {
      assertRefused(bad, Range.INT64, "not a number");
    }
  }

  @Test
  void agreesWithBigDecimalOnRandomShortNumbers() {
    Random r = new Random(11);
    for (int i = 0; i < 50_000; i++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextBoolean()) {
        sb.append('-');
      }
      sb.append(digits(r, 1 + r.nextInt(21)));
      if (r.nextInt(3) == 0) {
        sb.append('.').append(digits(r, 1 + r.nextInt(4)));
      }
      if (r.nextInt(3) == 0) {
        sb.append(r.nextBoolean() ? 'e' : 'E');
        sb.append(r.nextBoolean() ? "" : r.nextBoolean() ? "-" : "+");
        sb.append(r.nextInt(25));
      }
      String s = sb.toString();
      for (Range range : Range.values()) {
        Long expected = oracle(s, range);
        if (expected == null) {
          assertThatThrownBy(() -> JsonNumbers.integer(s, range))
              .as("%s as %s", s, range)
              .isInstanceOf(NumberFormatException.class);
        } else {
          assertThat(JsonNumbers.integer(s, range)).as("%s as %s", s, range).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void floatingTakesJsonNumbersOnly() {
    assertThat(JsonNumbers.floating("0.5")).isEqualTo(0.5);
    assertThat(JsonNumbers.floating("-1e-3")).isEqualTo(-0.001);
    assertThat(JsonNumbers.floating("1e30000000")).isInfinite();
    for (String bad : new String[] {"0x1p3", "1d", "1f", " 1", "+1", "", "1.", "∞"}) {
      assertThatThrownBy(() -> JsonNumbers.floating(bad))
          .as(bad)
          .isInstanceOf(NumberFormatException.class);
    }
    assertThatThrownBy(() -> JsonNumbers.floating("1".repeat(401)))
        .hasMessage("longer than 400 characters");
  }

  private static String digits(Random r, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + (r.nextInt(4) == 0 ? 0 : r.nextInt(10))));
    }
    return sb.toString();
  }

  /** BigDecimal is fine as an oracle on short test input. */
  private static Long oracle(String s, Range range) {
    java.math.BigInteger v;
    try {
      v = new BigDecimal(s).toBigIntegerExact();
    } catch (ArithmeticException e) {
      return null;
    }
    java.math.BigInteger min =
        range == Range.UINT64 ? java.math.BigInteger.ZERO : java.math.BigInteger.valueOf(range.min);
    java.math.BigInteger max =
        range == Range.UINT64
            ? java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE)
            : java.math.BigInteger.valueOf(range.max);
    if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
      return null;
    }
    return v.longValue();
  }

  private static void assertRefused(String s, Range range, String reason) {
    assertThatThrownBy(() -> JsonNumbers.integer(s, range))
        .as(s)
        .isInstanceOf(NumberFormatException.class)
        .hasMessage(reason);
  }
}
