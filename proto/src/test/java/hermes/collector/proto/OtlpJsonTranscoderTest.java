package hermes.collector.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class OtlpJsonTranscoderTest {
  private static final OtlpJsonTranscoder TRACES = OtlpJsonTranscoder.traces(ReaderLimits.DEFAULT);
  private static final Pattern ID =
      Pattern.compile("\"(traceId|spanId|parentSpanId)\": \"([^\"]*)\"");

  /** OTLP/JSON as the spec writes it: the proto3 JSON mapping, with ids in hex. */
  static String otlpJson(Message m, boolean enumsAsInts) throws Exception {
    JsonFormat.Printer printer = JsonFormat.printer();
    if (enumsAsInts) {
      printer = printer.printingEnumsAsInts();
    }
    Matcher ids = ID.matcher(printer.print(m));
    StringBuilder sb = new StringBuilder();
    while (ids.find()) {
      String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(ids.group(2)));
      ids.appendReplacement(sb, "\"" + ids.group(1) + "\": \"" + hex + "\"");
    }
    return ids.appendTail(sb).toString();
  }

  @Test
  void everyFieldRoundTripsToTheSameMessage() throws Exception {
    ExportTraceServiceRequest req = Requests.everyField();
    for (boolean enumsAsInts : new boolean[] {false, true}) {
      byte[] pb = TRACES.toProtobuf(otlpJson(req, enumsAsInts).getBytes(StandardCharsets.UTF_8));
      assertThat(ExportTraceServiceRequest.parseFrom(pb)).isEqualTo(req);
      assertThat(pb).isEqualTo(req.toByteArray());
    }
  }

  @Test
  void randomRequestsGiveIdenticalVisitsThroughJsonAndProtobuf() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 300; i++) {
      ExportTraceServiceRequest req = Requests.random(r);
      byte[] pb = TRACES.toProtobuf(otlpJson(req, i % 2 == 0).getBytes(StandardCharsets.UTF_8));
      assertThat(Visits.of(pb)).as("request %d", i).isEqualTo(Visits.of(req.toByteArray()));
      assertThat(ExportTraceServiceRequest.parseFrom(pb)).isEqualTo(req);
    }
  }

  @Test
  void acceptsTheSpecsLiberties() throws Exception {
    String json =
        """
        {"resourceSpans":[{"resource":{"attributes":[
            {"key":"service.name","value":{"stringValue":"hermes-agent"}}]},
          "unknownTopLevel":{"nested":[1,2,{"x":null}]},
          "scope_spans":[{"scope":{"name":"s"},"spans":[{
            "traceId":"5B8EFFF798038103D269B633813FC60C",
            "spanId":"eee19b7ec3c1b174",
            "parentSpanId":"",
            "name":"chat gpt-4o",
            "kind":3,
            "startTimeUnixNano":"1544712660000000000",
            "endTimeUnixNano":1544712661000000000,
            "attributes":[
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"120"}},
              {"key":"gen_ai.usage.output_tokens","value":{"intValue":42}},
              {"key":"cost","value":{"doubleValue":"0.5"}},
              {"key":"nan","value":{"doubleValue":"NaN"}},
              {"key":"stream","value":{"boolValue":false}},
              {"key":"blob","value":{"bytesValue":"AAH/"}},
              {"key":"reasons","value":{"arrayValue":{"values":[{"stringValue":"stop"}]}}}],
            "status":{"code":"STATUS_CODE_ERROR","message":"rate limit"},
            "futureField":"ignored"}]}]}]}
        """;
    byte[] pb = TRACES.toProtobuf(json.getBytes(StandardCharsets.UTF_8));
    ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(pb);
    var span = req.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray()))
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(span.getParentSpanId().isEmpty()).isTrue();
    assertThat(span.getKindValue()).isEqualTo(3);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(1544712661000000000L);
    assertThat(span.getAttributes(0).getValue().getIntValue()).isEqualTo(120);
    assertThat(span.getAttributes(1).getValue().getIntValue()).isEqualTo(42);
    assertThat(span.getAttributes(2).getValue().getDoubleValue()).isEqualTo(0.5);
    assertThat(span.getAttributes(3).getValue().getDoubleValue()).isNaN();
    // A false bool still sets the oneof: the value is present, not empty.
    assertThat(span.getAttributes(4).getValue().getValueCase())
        .isEqualTo(AnyValue.ValueCase.BOOL_VALUE);
    assertThat(span.getAttributes(5).getValue().getBytesValue().toByteArray())
        .containsExactly(0, 1, 255);
    assertThat(span.getStatus().getCodeValue()).isEqualTo(2);
    assertThat(span.getStatus().getMessage()).isEqualTo("rate limit");
    assertThat(req.getResourceSpans(0).getScopeSpans(0).getScope().getName()).isEqualTo("s");
  }

  @Test
  void badJsonIsRejectedWithWhereAndWhat() {
    assertRejected("", "Malformed JSON: expected a JSON object");
    assertRejected("[]", "Malformed JSON: expected a JSON object at line 1 column 2");
    assertRejected("{\"resourceSpans\":[{]}", "Malformed JSON: Unexpected close marker");
    assertRejected(
        "{\"resourceSpans\":{}}",
        "Malformed JSON: expected an array for ExportTraceServiceRequest");
    assertRejected(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}",
        "Malformed JSON: invalid hex string for traceId: 'zz' at line 1 column");
    assertRejected(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"SPAN_KIND_NOPE\"}]}]}]}",
        "Malformed JSON: unknown SpanKind value 'SPAN_KIND_NOPE'");
    assertRejected(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}",
        "Malformed JSON: expected an integer for startTimeUnixNano, got 'soon'");
    assertRejected(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"droppedAttributesCount\":-1}]}]}]}",
        "Malformed JSON: integer out of range for droppedAttributesCount: '-1'");
    assertRejected("{} {}", "Malformed JSON: unexpected content after the request object");
  }

  private static String span(String fields) {
    return "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"x\"},{"
        + fields
        + "}]}]}]}";
  }

  @Test
  void hugeExponentsAreRefusedBeforeAnyConversion() {
    // 250 bytes that once became a BigDecimal of 30 million digits (36 s of CPU).
    String json = span("\"startTimeUnixNano\":\"1e30000000\"");
    assertRejected(
        json,
        "Malformed JSON: integer out of range for startTimeUnixNano: '1e30000000' at line 1 column"
            + " 90 (byte 89), in resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano");
    assertRejected(
        span("\"endTimeUnixNano\":1e30000000"),
        "Malformed JSON: integer out of range for endTimeUnixNano: '1e30000000'");
    assertRejected(
        span("\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"-1e-30000000\"}}]"),
        "Malformed JSON: expected an integer for intValue, got '-1e-30000000' (not an integer)");
    assertRejected(
        span("\"droppedAttributesCount\":" + "9".repeat(401)),
        "Malformed JSON: Number value length (401) exceeds the maximum allowed (400) at line 1");
    assertRejected(
        span("\"startTimeUnixNano\":\"" + "9".repeat(100_000) + "\""),
        "Malformed JSON: expected an integer for startTimeUnixNano, got '"
            + "9".repeat(64)
            + "...' (100000 characters) (longer than 64 characters)");
  }

  @Test
  void integersInExponentFormAreAcceptedWhenIntegral() throws Exception {
    byte[] pb =
        TRACES.toProtobuf(
            span("\"startTimeUnixNano\":\"1.5e18\",\"endTimeUnixNano\":16e17")
                .getBytes(StandardCharsets.UTF_8));
    var s = ExportTraceServiceRequest.parseFrom(pb).getResourceSpans(0).getScopeSpans(0);
    assertThat(s.getSpans(1).getStartTimeUnixNano()).isEqualTo(1_500_000_000_000_000_000L);
    assertThat(s.getSpans(1).getEndTimeUnixNano()).isEqualTo(1_600_000_000_000_000_000L);
    assertRejected(
        span("\"startTimeUnixNano\":\"1.5\""),
        "Malformed JSON: expected an integer for startTimeUnixNano, got '1.5' (not an integer)");
    assertRejected(
        span("\"startTimeUnixNano\":\" 15\""),
        "Malformed JSON: expected an integer for startTimeUnixNano, got ' 15' (not a number)");
  }

  @Test
  void hexIdsTakeAsciiHexOnly() {
    // Full-width digits are digits to Character.digit, not to OTLP.
    assertRejected(
        span("\"spanId\":\"\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\""),
        "Malformed JSON: invalid hex string for spanId: '\uff11\uff12\uff13\uff14");
    assertRejected(
        span("\"traceId\":\"" + "a".repeat(1_000_001) + "\""),
        "Malformed JSON: odd-length hex string for traceId");
    assertRejected(
        span("\"traceId\":\"" + "a".repeat(999_999) + "g\""),
        "Malformed JSON: invalid hex string for traceId: '"
            + "a".repeat(64)
            + "...' (1000000 characters) at line 1");
  }

  @Test
  void jacksonErrorsSayWhereWithoutItsInternals() {
    String[] bad = {
      "{\"resourceSpans\":[{]}",
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"x\"",
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":x}]}]}]}",
      "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\\q\"}]}]}]}",
      "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}",
      span("\"droppedAttributesCount\":" + "9".repeat(401)),
    };
    for (String json : bad) {
      assertThatThrownBy(() -> TRACES.toProtobuf(json.getBytes(StandardCharsets.UTF_8)))
          .as(json)
          .isInstanceOf(MalformedOtlpException.class)
          .hasMessageStartingWith("Malformed JSON: ")
          .hasMessageContaining(" line ")
          .hasMessageNotContaining("Source")
          .hasMessageNotContaining("REDACTED")
          .hasMessageNotContaining("StreamRead")
          .hasMessageNotContaining("`");
    }
    assertRejected(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":x}]}]}]}",
        "Malformed JSON: Unrecognized token 'x': was expecting");
    assertThatThrownBy(
            () ->
                TRACES.toProtobuf(
                    "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":x}]}]}]}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageEndingWith(", in resourceSpans[0].scopeSpans[0].spans[0].name");
  }

  private static void assertRejected(String json, String messageStart) {
    assertThatThrownBy(() -> TRACES.toProtobuf(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessageStartingWith(messageStart);
  }

  static ExportMetricsServiceRequest everyMetricType() {
    NumberDataPoint number =
        NumberDataPoint.newBuilder()
            .addAttributes(Requests.kv("gen_ai.token.type", Requests.str("input")))
            .setStartTimeUnixNano(1)
            .setTimeUnixNano(2)
            .setAsInt(-5)
            .addExemplars(
                Exemplar.newBuilder()
                    .setAsDouble(1.5)
                    .setTraceId(Requests.id(1, 2))
                    .setSpanId(Requests.id(3)))
            .build();
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("g")
                                .setUnit("1")
                                .setGauge(
                                    Gauge.newBuilder()
                                        .addDataPoints(number)
                                        .addDataPoints(
                                            NumberDataPoint.newBuilder().setAsDouble(0.0))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("s")
                                .setSum(
                                    Sum.newBuilder()
                                        .setIsMonotonic(true)
                                        .setAggregationTemporality(
                                            AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                                        .addDataPoints(number)))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("hermes.tool.duration")
                                .setUnit("s")
                                .setHistogram(
                                    Histogram.newBuilder()
                                        .setAggregationTemporality(
                                            AggregationTemporality
                                                .AGGREGATION_TEMPORALITY_CUMULATIVE)
                                        .addDataPoints(
                                            HistogramDataPoint.newBuilder()
                                                .setCount(3)
                                                .setSum(0)
                                                .setMin(0.1)
                                                .addBucketCounts(1)
                                                .addBucketCounts(0)
                                                .addBucketCounts(2)
                                                .addExplicitBounds(0.5)
                                                .addExplicitBounds(1.0))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("e")
                                .setExponentialHistogram(
                                    ExponentialHistogram.newBuilder()
                                        .addDataPoints(
                                            ExponentialHistogramDataPoint.newBuilder()
                                                .setScale(-2)
                                                .setZeroCount(1)
                                                .setCount(4)
                                                .setPositive(
                                                    ExponentialHistogramDataPoint.Buckets
                                                        .newBuilder()
                                                        .setOffset(-3)
                                                        .addBucketCounts(3)))))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("q")
                                .setSummary(
                                    Summary.newBuilder()
                                        .addDataPoints(
                                            SummaryDataPoint.newBuilder()
                                                .setCount(2)
                                                .setSum(3)
                                                .addQuantileValues(
                                                    SummaryDataPoint.ValueAtQuantile.newBuilder()
                                                        .setQuantile(0.5)
                                                        .setValue(1.5)))))))
        .build();
  }

  static ExportLogsServiceRequest someLogs() {
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(
            ResourceLogs.newBuilder()
                .addScopeLogs(
                    ScopeLogs.newBuilder()
                        .addLogRecords(
                            LogRecord.newBuilder()
                                .setTimeUnixNano(5)
                                .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_WARN)
                                .setBody(Requests.str("tool failed"))
                                .setTraceId(Requests.id(1, 2))
                                .setSpanId(Requests.id(3)))
                        .addLogRecords(LogRecord.newBuilder().setEventName("e"))))
        .build();
  }

  @Test
  void metricsAndLogsRoundTrip() throws Exception {
    ExportMetricsServiceRequest metrics = everyMetricType();
    byte[] pb =
        OtlpJsonTranscoder.metrics(ReaderLimits.DEFAULT)
            .toProtobuf(otlpJson(metrics, false).getBytes(StandardCharsets.UTF_8));
    assertThat(ExportMetricsServiceRequest.parseFrom(pb)).isEqualTo(metrics);
    // optional double sum = 0 is present and must survive.
    assertThat(
            ExportMetricsServiceRequest.parseFrom(pb)
                .getResourceMetrics(0)
                .getScopeMetrics(0)
                .getMetrics(2)
                .getHistogram()
                .getDataPoints(0)
                .hasSum())
        .isTrue();

    ExportLogsServiceRequest logs = someLogs();
    byte[] lpb =
        OtlpJsonTranscoder.logs(ReaderLimits.DEFAULT)
            .toProtobuf(otlpJson(logs, true).getBytes(StandardCharsets.UTF_8));
    assertThat(ExportLogsServiceRequest.parseFrom(lpb)).isEqualTo(logs);
  }
}
