package hermes.collector.proto;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the protobuf metrics reader (every view of every point is read): any
 * bytes are read or refused with {@link MalformedOtlpException}, nothing else. Seeds and inputs
 * that once failed are in {@code src/test/resources/.../MetricsReaderFuzzTestInputs}.
 */
class MetricsReaderFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void readsOrRefuses(byte[] input) {
    try {
      MetricsRequestReaderTest.visits(input);
    } catch (MalformedOtlpException expected) {
      // the one documented outcome for bad input
    }
  }
}
