package hermes.collector.proto;

import java.nio.charset.StandardCharsets;

/**
 * Encodes the small messages the receivers answer with: {@code Export*ServiceResponse} (with {@code
 * partial_success} when something was rejected) and {@code google.rpc.Status} for errors, in
 * protobuf or in OTLP/JSON. Hand-encoded: each is two fields, and this keeps generated classes off
 * the request path.
 */
public final class OtlpResponses {
  /** The {@code google.rpc.Code} for INVALID_ARGUMENT. */
  public static final int CODE_INVALID_ARGUMENT = 3;

  /** The {@code google.rpc.Code} for RESOURCE_EXHAUSTED. */
  public static final int CODE_RESOURCE_EXHAUSTED = 8;

  /** The {@code google.rpc.Code} for UNIMPLEMENTED. */
  public static final int CODE_UNIMPLEMENTED = 12;

  /** The {@code google.rpc.Code} for UNAVAILABLE. */
  public static final int CODE_UNAVAILABLE = 14;

  /**
   * The most UTF-8 bytes of a message kept in a response: a client's 10 MiB span name must not be
   * echoed back in full.
   */
  public static final int MAX_MESSAGE_BYTES = 256;

  private static final byte[] EMPTY = new byte[0];
  private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.US_ASCII);

  /** Which signal a response is for; names the rejected-count field. */
  public enum Signal {
    /** Traces: {@code rejected_spans}. */
    TRACES("rejectedSpans"),
    /** Metrics: {@code rejected_data_points}. */
    METRICS("rejectedDataPoints"),
    /** Logs: {@code rejected_log_records}. */
    LOGS("rejectedLogRecords");

    private final String jsonCountField;

    Signal(String jsonCountField) {
      this.jsonCountField = jsonCountField;
    }
  }

  private OtlpResponses() {}

  /**
   * An export response in protobuf: empty when nothing was rejected, else with {@code
   * partial_success}.
   */
  public static byte[] exportProtobuf(long rejected, String message) {
    if (rejected == 0 && (message == null || message.isEmpty())) {
      return EMPTY;
    }
    message = cut(message);
    ProtoSink out = new ProtoSink(32 + (message == null ? 0 : message.length() * 3));
    long mark = out.begin(1);
    if (rejected != 0) {
      out.tag(1, Wire.VARINT);
      out.varint(rejected);
    }
    if (message != null && !message.isEmpty()) {
      out.bytes(2, message.getBytes(StandardCharsets.UTF_8));
    }
    out.end(mark, false);
    return out.toByteArray();
  }

  /** An export response in OTLP/JSON ({@code {}} when nothing was rejected). */
  public static byte[] exportJson(Signal signal, long rejected, String message) {
    if (rejected == 0 && (message == null || message.isEmpty())) {
      return EMPTY_JSON.clone();
    }
    message = cut(message);
    StringBuilder sb = new StringBuilder("{\"partialSuccess\":{");
    sb.append('"').append(signal.jsonCountField).append("\":\"").append(rejected).append('"');
    if (message != null && !message.isEmpty()) {
      sb.append(",\"errorMessage\":");
      quote(sb, message);
    }
    return sb.append("}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A {@code google.rpc.Status} in protobuf. */
  public static byte[] statusProtobuf(int code, String message) {
    message = cut(message);
    ProtoSink out = new ProtoSink(16 + message.length() * 3);
    out.tag(1, Wire.VARINT);
    out.varint(code);
    out.bytes(2, message.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** A {@code google.rpc.Status} in JSON. */
  public static byte[] statusJson(int code, String message) {
    message = cut(message);
    StringBuilder sb = new StringBuilder("{\"code\":").append(code).append(",\"message\":");
    quote(sb, message);
    return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code message} cut to at most {@link #MAX_MESSAGE_BYTES} UTF-8 bytes (on a character boundary)
   * plus a note of how long it was; short ones (and null) are returned as they are.
   */
  public static String cut(String message) {
    if (message == null || message.length() <= MAX_MESSAGE_BYTES / 3) {
      return message;
    }
    int bytes = 0;
    int i = 0;
    while (i < message.length()) {
      int cp = message.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > MAX_MESSAGE_BYTES) {
        return message.substring(0, i) + "... (cut from " + message.length() + " characters)";
      }
      bytes += len;
      i += Character.charCount(cp);
    }
    return message;
  }

  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }
}
