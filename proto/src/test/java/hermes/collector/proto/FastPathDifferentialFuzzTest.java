package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided differential fuzzing of the decode fast paths ({@code
 * TraceRequestReader.readSpanFast}, {@code Attributes.addFast}, {@code Wire.lengthAt/skipAt})
 * against the decoder they fall back to: any bytes give the same visits with the fast paths on as
 * off, or the same {@link MalformedOtlpException} message, and never another exception. Seeds are
 * in {@code src/test/resources/.../FastPathDifferentialFuzzTestInputs}.
 */
class FastPathDifferentialFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void sameOutcomeOnBothPaths(byte[] input) {
    for (ReaderLimits limits : LIMITS) {
      Object fast = outcome(input, limits, true);
      Object slow = outcome(input, limits, false);
      assertThat(fast).as("limits %s", limits).isEqualTo(slow);
      if (limits == ReaderLimits.DEFAULT
          && slow instanceof List<?> visits
          && !"refused".equals(visits.isEmpty() ? null : visits.get(0))) {
        // What the reader accepts, the skip-only scan that counts a refused request's spans
        // accepts too, with as many spans: a valid request refused when the pipeline is full must
        // be answered "retry later", never "malformed". (Not under the small bounds: attributes
        // past the per-message bound are not walked by the reader, but they are by the scan.)
        assertThat(scan(input, limits)).as("scan, limits %s", limits).isEqualTo(spans(visits));
      }
    }
  }

  private static Object scan(byte[] input, ReaderLimits limits) {
    try {
      return SignalScanner.traces(limits).scan(input);
    } catch (MalformedOtlpException e) {
      return e.getMessage();
    }
  }

  private static int spans(List<?> visits) {
    int n = 0;
    for (Object line : visits) {
      if (line.toString().startsWith("span ")) {
        n++;
      }
    }
    return n;
  }

  // The default bounds, and small ones so the fuzzer reaches the attribute and depth bounds.
  private static final ReaderLimits[] LIMITS = {ReaderLimits.DEFAULT, new ReaderLimits(2, 3)};

  private static Object outcome(byte[] b, ReaderLimits limits, boolean fast) {
    Visits v = new Visits();
    TraceRequestReader reader = new TraceRequestReader(limits);
    reader.fastPaths(fast);
    try {
      reader.read(b, v);
      return v.lines;
    } catch (MalformedOtlpException e) {
      return List.of("refused", e.getMessage(), v.lines.size());
    }
  }
}
