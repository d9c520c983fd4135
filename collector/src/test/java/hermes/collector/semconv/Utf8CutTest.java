package hermes.collector.semconv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8CutTest {
  @Test
  void shortNamesAreReturnedAsTheyAre() {
    String s = "deepseek-v3-0324";
    assertThat(Utf8Cut.cut(s, 256)).isSameAs(s);
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8Cut.length(b, 0, b.length, 256)).isEqualTo(b.length);
  }

  @Test
  void cutsNeverSplitACodePoint() {
    // 1, 2, 3 and 4 UTF-8 bytes per code point, at every cut position.
    String s = "a\u00e9\u6a21\ud83d\ude00".repeat(20);
    byte[] b = ("xx" + s).getBytes(StandardCharsets.UTF_8);
    for (int max = 1; max < 120; max++) {
      String cut = Utf8Cut.cut(s, max);
      int bytes = cut.getBytes(StandardCharsets.UTF_8).length;
      assertThat(bytes).isLessThanOrEqualTo(max).isGreaterThan(max - 4);
      assertThat(s).startsWith(cut);
      assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 1))).isFalse();
      int len = Utf8Cut.length(b, 2, b.length - 2, max);
      assertThat(new String(b, 2, len, StandardCharsets.UTF_8)).isEqualTo(cut);
    }
  }

  @Test
  void aTableCutsAndCountsLongNames() {
    NameTable t = new NameTable("model", 10, 16);
    String canonical = t.canonical("m".repeat(1000));
    assertThat(canonical).isEqualTo("m".repeat(16));
    assertThat(t.canonical("m".repeat(16))).isSameAs(canonical);
    assertThat(t.truncated()).isEqualTo(1);
    assertThat(t.size()).isEqualTo(1);
  }
}
