package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The span fast path ({@code TraceRequestReader.readSpanFast}, bytes read directly) against the
 * decoder's ({@code readSpan}), over well-formed requests and mutated ones: the same visits, and
 * the same error where the request is refused. Seeded, so every run checks the same inputs.
 */
class SpanFastPathTest {

  @Test
  void wellFormedRequestsReadTheSameOnBothPaths() throws Exception {
    Random r = new Random(21);
    byte[] every = Requests.everyField().toByteArray();
    assertThat(read(every, true)).isEqualTo(read(every, false));
    assertThat(read(every, true)).isEqualTo(Visits.expected(Requests.everyField()));
    for (int n = 0; n < 300; n++) {
      var req = Requests.random(r);
      byte[] b = req.toByteArray();
      assertThat(read(b, true)).isEqualTo(Visits.expected(req));
    }
  }

  @Test
  void mutatedRequestsAreReadOrRefusedAlikeOnBothPaths() {
    Random r = new Random(12);
    int refused = 0;
    int read = 0;
    for (int n = 0; n < 3_000; n++) {
      byte[] b =
          n % 2 == 0 ? Requests.everyField().toByteArray() : Requests.random(r).toByteArray();
      for (int k = 1 + r.nextInt(3); k > 0 && b.length > 0; k--) {
        int at = r.nextInt(b.length);
        switch (r.nextInt(3)) {
          case 0:
            b[at] = (byte) r.nextInt(256);
            break;
          case 1:
            b[at] ^= (byte) 0x80;
            break;
          default:
            b[at] = (byte) (b[at] + 1);
        }
      }
      Object fast = outcome(b, true);
      Object slow = outcome(b, false);
      assertThat(fast).as("input %s", Arrays.toString(b)).isEqualTo(slow);
      if (slow instanceof String) {
        refused++;
      } else {
        read++;
      }
    }
    assertThat(refused).isGreaterThan(100);
    assertThat(read).isGreaterThan(100);
  }

  private static Object outcome(byte[] b, boolean fast) {
    try {
      return read(b, fast);
    } catch (MalformedOtlpException e) {
      return e.getMessage();
    }
  }

  private static List<String> read(byte[] b, boolean fast) throws MalformedOtlpException {
    Visits v = new Visits();
    TraceRequestReader reader = new TraceRequestReader(ReaderLimits.DEFAULT);
    reader.spanFastPath = fast;
    reader.read(b, v);
    return v.lines;
  }
}
