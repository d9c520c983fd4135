package hermes.collector.proto;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Coverage-guided fuzzing of the OTLP/JSON transcoder, as ingest uses it (JSON to protobuf, then
 * the protobuf reader): any bytes are transcoded or refused with {@link MalformedOtlpException};
 * what it accepts is protobuf that the generated classes parse. Seeds and inputs that once failed
 * are in {@code src/test/resources/.../JsonTranscoderFuzzTestInputs}.
 */
class JsonTranscoderFuzzTest {
  private static final OtlpJsonTranscoder TRACES = OtlpJsonTranscoder.traces(ReaderLimits.DEFAULT);
  private static final OtlpJsonTranscoder METRICS =
      OtlpJsonTranscoder.metrics(ReaderLimits.DEFAULT);

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "\"resourceSpans\"",
    "\"scopeSpans\"",
    "\"spans\"",
    "\"traceId\"",
    "\"spanId\"",
    "\"parentSpanId\"",
    "\"startTimeUnixNano\"",
    "\"endTimeUnixNano\"",
    "\"attributes\"",
    "\"key\"",
    "\"value\"",
    "\"intValue\"",
    "\"doubleValue\"",
    "\"stringValue\"",
    "\"bytesValue\"",
    "\"arrayValue\"",
    "\"kvlistValue\"",
    "\"values\"",
    "\"kind\"",
    "\"status\"",
    "\"code\"",
    "\"resourceMetrics\"",
    "\"scopeMetrics\"",
    "\"metrics\"",
    "\"gauge\"",
    "\"sum\"",
    "\"histogram\"",
    "\"dataPoints\"",
    "\"asInt\"",
    "\"asDouble\"",
    "\"bucketCounts\"",
    "\"explicitBounds\"",
    "1e",
    "E-",
    ".5",
    "-0",
    "\"NaN\"",
    "\"Infinity\"",
    "\\u00",
    "\"5b8efff798038103d269b633813fc60c\"",
    "\"eee19b7ec3c1b174\"",
    "null",
    "true"
  })
  void transcodesOrRefuses(byte[] input) {
    try {
      byte[] pb = TRACES.toProtobuf(input);
      ExportTraceServiceRequest.parseFrom(pb);
      Visits.of(pb);
    } catch (MalformedOtlpException expected) {
      // the one documented outcome for bad input
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the transcoder wrote protobuf that does not parse", e);
    }
    try {
      byte[] pb = METRICS.toProtobuf(input);
      ExportMetricsServiceRequest.parseFrom(pb);
    } catch (MalformedOtlpException expected) {
      // the one documented outcome for bad input
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("the transcoder wrote protobuf that does not parse", e);
    }
  }
}
