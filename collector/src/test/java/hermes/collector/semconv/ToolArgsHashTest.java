package hermes.collector.semconv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolArgsHashTest {
  @Test
  void everyByteAndTheLengthCount() {
    Set<Long> seen = new HashSet<>();
    byte[] base =
        "{\"command\":\"ls -la /var/log/hermes/agent-session-0001\"}"
            .getBytes(StandardCharsets.UTF_8);
    for (int len = 0; len <= base.length; len++) {
      assertThat(seen.add(ToolArgsHash.bytes(base, 0, len))).as("prefix %d", len).isTrue();
      for (int i = 0; i < len; i++) {
        byte[] b = base.clone();
        b[i] ^= 1; // one bit apart, anywhere: another hash
        assertThat(ToolArgsHash.bytes(b, 0, len))
            .as("len %d bit at %d", len, i)
            .isNotEqualTo(ToolArgsHash.bytes(base, 0, len));
      }
    }
    // The same bytes at another offset of another buffer: the same hash.
    byte[] framed = new byte[base.length + 7];
    System.arraycopy(base, 0, framed, 7, base.length);
    assertThat(ToolArgsHash.bytes(framed, 7, base.length))
        .isEqualTo(ToolArgsHash.bytes(base, 0, base.length));
  }
}
