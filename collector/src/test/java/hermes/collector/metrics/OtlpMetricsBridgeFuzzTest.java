package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import hermes.collector.proto.MalformedOtlpException;

/**
 * Coverage-guided fuzzing of the metrics bridge (it took over {@code MetricsReaderFuzzTest} when
 * the streaming metrics reader was retired): any bytes are applied, or refused with {@link
 * MalformedOtlpException} and change nothing. Seeds and inputs that once failed are in {@code
 * src/test/resources/.../OtlpMetricsBridgeFuzzTestInputs}.
 */
class OtlpMetricsBridgeFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void acceptsOrChangesNothing(byte[] input) throws Exception {
    OtlpMetricsBridge bridge = new OtlpMetricsBridge("hermes", 1_000_000_000L, 20, 32, () -> 0L);
    bridge.accept(OtlpMetricsBridgeHostileTest.everyMetricType().toByteArray());
    String before = OtlpMetricsBridgeHostileTest.scrape(bridge);
    try {
      bridge.accept(input);
    } catch (MalformedOtlpException expected) {
      assertThat(OtlpMetricsBridgeHostileTest.scrape(bridge)).isEqualTo(before);
    }
  }
}
