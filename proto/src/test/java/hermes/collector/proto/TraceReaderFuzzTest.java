package hermes.collector.proto;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the protobuf trace reader: any bytes are read or refused with {@link
 * MalformedOtlpException}, never another exception, an endless loop or a blown stack. Seeds and
 * inputs that once failed are in {@code src/test/resources/.../TraceReaderFuzzTestInputs}.
 */
class TraceReaderFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void readsOrRefuses(byte[] input) {
    try {
      Visits.of(input);
    } catch (MalformedOtlpException expected) {
      // the one documented outcome for bad input
    }
  }
}
