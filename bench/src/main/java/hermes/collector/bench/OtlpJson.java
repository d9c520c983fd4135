package hermes.collector.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writes export requests as OTLP/JSON, as an SDK's JSON exporter would send them. */
public final class OtlpJson {
  private static final Pattern ID =
      Pattern.compile("\"(traceId|spanId|parentSpanId)\": \"([^\"]*)\"");

  private OtlpJson() {}

  /**
   * OTLP/JSON: protobuf's JSON mapping with the ids as hex, not base64 (the one place the OTLP
   * encoding departs from it).
   */
  public static String of(ExportTraceServiceRequest r) throws InvalidProtocolBufferException {
    Matcher m = ID.matcher(JsonFormat.printer().print(r));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(m.group(2)));
      m.appendReplacement(out, "\"" + m.group(1) + "\": \"" + hex + "\"");
    }
    m.appendTail(out);
    return out.toString();
  }
}
