package hermes.collector.proto;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes the committed seed corpora of the fuzz tests (run by hand: {@code java ... FuzzSeeds
 * DIR}); kept so the seeds can be rebuilt when the messages change.
 */
final class FuzzSeeds {
  private FuzzSeeds() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0], "hermes", "collector", "proto");
    Path trace = root.resolve("TraceReaderFuzzTestInputs/readsOrRefuses");
    Path json = root.resolve("JsonTranscoderFuzzTestInputs/transcodesOrRefuses");
    Path metrics = root.resolve("MetricsReaderFuzzTestInputs/readsOrRefuses");
    for (Path p : new Path[] {trace, json, metrics}) {
      Files.createDirectories(p);
    }
    Files.write(trace.resolve("seed-every-field"), Requests.everyField().toByteArray());
    Random r = new Random(7);
    for (int i = 0; i < 3; i++) {
      Files.write(trace.resolve("seed-random-" + i), Requests.random(r).toByteArray());
    }
    Files.write(
        metrics.resolve("seed-every-metric-type"),
        OtlpJsonTranscoderTest.everyMetricType().toByteArray());
    Files.write(
        json.resolve("seed-every-field"),
        OtlpJsonTranscoderTest.otlpJson(Requests.everyField(), false)
            .getBytes(StandardCharsets.UTF_8));
    Files.write(
        json.resolve("seed-every-metric-type"),
        OtlpJsonTranscoderTest.otlpJson(OtlpJsonTranscoderTest.everyMetricType(), true)
            .getBytes(StandardCharsets.UTF_8));
    // Inputs that once cost dearly (issue 11): a huge exponent and full-width hex digits.
    Files.writeString(
        json.resolve("regression-huge-exponent"),
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"1e30000000\""
            + ",\"endTimeUnixNano\":-1e-30000000}]}]}]}");
    Files.writeString(
        json.resolve("regression-full-width-hex"),
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"１２３４５６７８\"}]}]}]}");
  }
}
