package hermes.collector.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of gzip inflation ({@link BoundedGunzip}, the OTLP/HTTP body path): any
 * bytes inflate to at most the limit, or fail with {@link IOException} (corrupt) or {@link
 * BoundedGunzip.TooLargeException} (past the limit); nothing else escapes. Seeds and inputs that
 * once failed are in {@code src/test/resources/.../GunzipFuzzTestInputs}.
 */
class GunzipFuzzTest {
  private static final int LIMIT = 64 * 1024;

  @FuzzTest(maxDuration = "5s")
  void inflatesWithinTheLimitOrRefuses(byte[] input) {
    try {
      byte[] out = BoundedGunzip.gunzip(input, LIMIT);
      if (out.length > LIMIT) {
        throw new AssertionError("inflated " + out.length + " bytes past the limit " + LIMIT);
      }
    } catch (IOException | BoundedGunzip.TooLargeException expected) {
      // the documented outcomes for a bad or oversized body
    }
  }
}
