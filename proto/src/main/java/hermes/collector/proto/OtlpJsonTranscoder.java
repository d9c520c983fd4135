package hermes.collector.proto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Transcodes an OTLP/JSON request into the protobuf bytes of the same request, streaming (Jackson
 * parser in, {@link ProtoSink} out; no message objects).
 *
 * <p>Written by hand because protobuf's {@code JsonFormat} follows the proto3 JSON mapping, and
 * OTLP/JSON departs from it: trace and span ids are hex, not base64. Everything else follows the
 * proto3 mapping: lowerCamelCase keys (original field names accepted too), 64-bit integers as
 * strings or numbers, enums as numbers or names, unknown fields ignored, {@code null} as absent.
 * The JSON path reuses the protobuf reader on the result, so JSON and protobuf input can never be
 * understood differently, and forwarding gets protobuf bytes for free.
 *
 * <p>Untrusted numbers never reach {@code BigDecimal}: integers and floating-point strings are
 * checked by form and size first ({@link JsonNumbers}), Jackson's number length is bounded, and hex
 * ids take only ASCII {@code [0-9a-fA-F]}. Errors name what, the field path and where (line,
 * column, byte), without Jackson's internals, and quote at most a short prefix of a bad value.
 *
 * <p>Threading: immutable after construction, safe to share.
 */
public final class OtlpJsonTranscoder {
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(256)
                  .maxNumberLength(JsonNumbers.MAX_FLOAT_CHARS)
                  .build())
          .build();
  private static final Base64.Decoder BASE64 = Base64.getDecoder();
  private static final Base64.Decoder BASE64_URL = Base64.getUrlDecoder();
  // Jackson's own messages carry its source description and the constraint's getter name.
  private static final Pattern JACKSON_SOURCE =
      Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
  private static final Pattern JACKSON_CONSTRAINT = Pattern.compile(",? from `[^`]*`");
  private static final int MAX_QUOTED_CHARS = 64;

  private final Descriptor root;
  private final int maxNesting;
  private final Map<Descriptor, Map<String, FieldDescriptor>> fields = new HashMap<>();

  private OtlpJsonTranscoder(Descriptor root, ReaderLimits limits) {
    this.root = root;
    this.maxNesting = MessageScanner.nestingFor(limits.maxAttributeDepth());
    index(root);
  }

  /** A transcoder for {@code ExportTraceServiceRequest}. */
  public static OtlpJsonTranscoder traces(ReaderLimits limits) {
    return new OtlpJsonTranscoder(
        ExportTraceServiceRequest.getDescriptor(), Objects.requireNonNull(limits, "limits"));
  }

  /** A transcoder for {@code ExportMetricsServiceRequest}. */
  public static OtlpJsonTranscoder metrics(ReaderLimits limits) {
    return new OtlpJsonTranscoder(
        ExportMetricsServiceRequest.getDescriptor(), Objects.requireNonNull(limits, "limits"));
  }

  /** A transcoder for {@code ExportLogsServiceRequest}. */
  public static OtlpJsonTranscoder logs(ReaderLimits limits) {
    return new OtlpJsonTranscoder(
        ExportLogsServiceRequest.getDescriptor(), Objects.requireNonNull(limits, "limits"));
  }

  private void index(Descriptor d) {
    if (fields.containsKey(d)) {
      return;
    }
    Map<String, FieldDescriptor> byName = new HashMap<>();
    fields.put(d, byName);
    for (FieldDescriptor f : d.getFields()) {
      byName.put(f.getJsonName(), f);
      byName.put(f.getName(), f);
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        index(f.getMessageType());
      }
    }
  }

  /**
   * Transcodes one JSON request body.
   *
   * @throws MalformedOtlpException for invalid JSON or values of the wrong type, with the line and
   *     column
   */
  public byte[] toProtobuf(byte[] json) throws MalformedOtlpException {
    Objects.requireNonNull(json, "json");
    ProtoSink out = new ProtoSink(json.length / 2);
    try (JsonParser p = JSON.createParser(json)) {
      try {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw error(p, "expected a JSON object");
        }
        object(p, root, out, 1);
        if (p.nextToken() != null) {
          throw error(p, "unexpected content after the request object");
        }
      } catch (JsonProcessingException e) {
        throw new MalformedOtlpException(
            "Malformed JSON: "
                + clean(e.getOriginalMessage())
                + where(
                    e.getLocation() != null ? e.getLocation() : p.currentLocation(),
                    p.getParsingContext()));
      }
    } catch (JsonProcessingException e) {
      throw new MalformedOtlpException("Malformed JSON: " + clean(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new MalformedOtlpException("Malformed JSON: " + clean(e.getMessage()));
    }
    return out.toByteArray();
  }

  private void object(JsonParser p, Descriptor type, ProtoSink out, int depth)
      throws IOException, MalformedOtlpException {
    if (depth > maxNesting) {
      throw error(p, "objects nested deeper than " + maxNesting);
    }
    Map<String, FieldDescriptor> byName = fields.get(type);
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t != JsonToken.FIELD_NAME) {
        throw error(p, "expected a field name in " + type.getName());
      }
      FieldDescriptor f = byName.get(p.currentName());
      JsonToken value = p.nextToken();
      if (f == null) {
        p.skipChildren();
        continue;
      }
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      if (f.isRepeated()) {
        if (value != JsonToken.START_ARRAY) {
          throw error(p, "expected an array for " + type.getName() + "." + f.getJsonName());
        }
        if (f.isPacked()) {
          long mark = out.begin(f.getNumber());
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            scalar(p, f, out, false);
          }
          out.end(mark, true);
        } else {
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.VALUE_NULL) {
              value(p, f, out, depth);
            }
          }
        }
      } else {
        value(p, f, out, depth);
      }
    }
  }

  private void value(JsonParser p, FieldDescriptor f, ProtoSink out, int depth)
      throws IOException, MalformedOtlpException {
    if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw error(p, "expected an object for " + f.getJsonName());
      }
      long mark = out.begin(f.getNumber());
      object(p, f.getMessageType(), out, depth + 1);
      out.end(mark, false);
    } else {
      scalar(p, f, out, true);
    }
  }

  /** Writes one scalar; with a tag unless it is an element of a packed array. */
  private void scalar(JsonParser p, FieldDescriptor f, ProtoSink out, boolean tagged)
      throws IOException, MalformedOtlpException {
    // Proto3 leaves defaults off the wire unless the field tracks presence (oneof, optional).
    boolean keepDefault = !tagged || f.hasPresence() || f.isRepeated();
    int n = f.getNumber();
    switch (f.getType()) {
      case STRING:
        {
          String s = text(p, f);
          if (!s.isEmpty() || keepDefault) {
            out.bytes(n, s.getBytes(StandardCharsets.UTF_8));
          }
          return;
        }
      case BYTES:
        {
          byte[] b = isHexId(f) ? hex(p, f) : base64(p, f);
          if (b.length > 0 || keepDefault) {
            out.bytes(n, b);
          }
          return;
        }
      case BOOL:
        {
          boolean b;
          if (p.currentToken() == JsonToken.VALUE_TRUE) {
            b = true;
          } else if (p.currentToken() == JsonToken.VALUE_FALSE) {
            b = false;
          } else {
            throw error(p, "expected true or false for " + f.getJsonName());
          }
          if (b || keepDefault) {
            if (tagged) {
              out.tag(n, Wire.VARINT);
            }
            out.varint(b ? 1 : 0);
          }
          return;
        }
      case DOUBLE:
        {
          double d = floating(p, f);
          if (Double.doubleToRawLongBits(d) != 0 || keepDefault) {
            if (tagged) {
              out.tag(n, Wire.FIXED64);
            }
            out.fixed64(Double.doubleToRawLongBits(d));
          }
          return;
        }
      case FLOAT:
        {
          float d = (float) floating(p, f);
          if (Float.floatToRawIntBits(d) != 0 || keepDefault) {
            if (tagged) {
              out.tag(n, Wire.FIXED32);
            }
            out.fixed32(Float.floatToRawIntBits(d));
          }
          return;
        }
      case ENUM:
        {
          int v = enumValue(p, f);
          if (v != 0 || keepDefault) {
            if (tagged) {
              out.tag(n, Wire.VARINT);
            }
            out.varint(v);
          }
          return;
        }
      default:
        integer(p, f, out, tagged, keepDefault);
    }
  }

  private void integer(
      JsonParser p, FieldDescriptor f, ProtoSink out, boolean tagged, boolean keepDefault)
      throws IOException, MalformedOtlpException {
    boolean unsigned64 =
        f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64;
    long v = integerValue(p, f, range(f.getType(), unsigned64));
    int n = f.getNumber();
    switch (f.getType()) {
      case INT32:
      case INT64:
      case UINT64:
        if (v != 0 || keepDefault) {
          if (tagged) {
            out.tag(n, Wire.VARINT);
          }
          out.varint(v);
        }
        return;
      case UINT32:
        if (v != 0 || keepDefault) {
          if (tagged) {
            out.tag(n, Wire.VARINT);
          }
          out.varint(v & 0xFFFFFFFFL);
        }
        return;
      case SINT32:
      case SINT64:
        if (v != 0 || keepDefault) {
          if (tagged) {
            out.tag(n, Wire.VARINT);
          }
          out.varint((v << 1) ^ (v >> 63));
        }
        return;
      case FIXED64:
      case SFIXED64:
        if (v != 0 || keepDefault) {
          if (tagged) {
            out.tag(n, Wire.FIXED64);
          }
          out.fixed64(v);
        }
        return;
      case FIXED32:
      case SFIXED32:
        if (v != 0 || keepDefault) {
          if (tagged) {
            out.tag(n, Wire.FIXED32);
          }
          out.fixed32((int) v);
        }
        return;
      default:
        throw error(p, "unsupported field type " + f.getType() + " for " + f.getJsonName());
    }
  }

  private static JsonNumbers.Range range(FieldDescriptor.Type type, boolean unsigned64) {
    if (unsigned64) {
      return JsonNumbers.Range.UINT64;
    }
    return switch (type) {
      case INT32, SINT32, SFIXED32 -> JsonNumbers.Range.INT32;
      case UINT32, FIXED32 -> JsonNumbers.Range.UINT32;
      default -> JsonNumbers.Range.INT64;
    };
  }

  private static long integerValue(JsonParser p, FieldDescriptor f, JsonNumbers.Range range)
      throws IOException, MalformedOtlpException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT
        && t != JsonToken.VALUE_NUMBER_FLOAT
        && t != JsonToken.VALUE_STRING) {
      throw error(p, "expected an integer for " + f.getJsonName());
    }
    // The text only: Jackson's getLongValue/getDecimalValue would convert first and check later.
    String text = p.getText();
    try {
      return JsonNumbers.integer(text, range);
    } catch (NumberFormatException e) {
      if (e.getMessage().equals("out of range")) {
        throw error(p, "integer out of range for " + f.getJsonName() + ": " + quote(text));
      }
      throw error(
          p,
          "expected an integer for "
              + f.getJsonName()
              + ", got "
              + quote(text)
              + " ("
              + e.getMessage()
              + ")");
    }
  }

  private double floating(JsonParser p, FieldDescriptor f)
      throws IOException, MalformedOtlpException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getDoubleValue();
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      switch (s) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          try {
            return JsonNumbers.floating(s);
          } catch (NumberFormatException e) {
            throw error(
                p,
                "expected a number for "
                    + f.getJsonName()
                    + ", got "
                    + quote(s)
                    + " ("
                    + e.getMessage()
                    + ")");
          }
      }
    }
    throw error(p, "expected a number for " + f.getJsonName());
  }

  private int enumValue(JsonParser p, FieldDescriptor f)
      throws IOException, MalformedOtlpException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) {
      EnumValueDescriptor v = f.getEnumType().findValueByName(p.getText());
      if (v == null) {
        throw error(p, "unknown " + f.getEnumType().getName() + " value " + quote(p.getText()));
      }
      return v.getNumber();
    }
    if (t == JsonToken.VALUE_NUMBER_INT) {
      try {
        return (int) JsonNumbers.integer(p.getText(), JsonNumbers.Range.INT32);
      } catch (NumberFormatException e) {
        throw error(p, "enum value out of range for " + f.getJsonName());
      }
    }
    throw error(p, "expected an enum number or name for " + f.getJsonName());
  }

  private static String text(JsonParser p, FieldDescriptor f)
      throws IOException, MalformedOtlpException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw error(p, "expected a string for " + f.getJsonName());
    }
    return p.getText();
  }

  private static boolean isHexId(FieldDescriptor f) {
    String n = f.getName();
    return n.equals("trace_id") || n.equals("span_id") || n.equals("parent_span_id");
  }

  private static byte[] hex(JsonParser p, FieldDescriptor f)
      throws IOException, MalformedOtlpException {
    String s = text(p, f);
    if ((s.length() & 1) != 0) {
      throw error(p, "odd-length hex string for " + f.getJsonName());
    }
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexDigit(s.charAt(2 * i));
      int lo = hexDigit(s.charAt(2 * i + 1));
      if (hi < 0 || lo < 0) {
        throw error(p, "invalid hex string for " + f.getJsonName() + ": " + quote(s));
      }
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }

  /**
   * The value of an ASCII hex digit, or -1 ({@code Character.digit} also takes full-width ones).
   */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static byte[] base64(JsonParser p, FieldDescriptor f)
      throws IOException, MalformedOtlpException {
    String s = text(p, f);
    try {
      return BASE64.decode(s);
    } catch (IllegalArgumentException e) {
      try {
        return BASE64_URL.decode(s);
      } catch (IllegalArgumentException e2) {
        throw error(p, "invalid base64 for " + f.getJsonName());
      }
    }
  }

  private static MalformedOtlpException error(JsonParser p, String what) {
    return new MalformedOtlpException(
        "Malformed JSON: " + what + where(p.currentLocation(), p.getParsingContext()));
  }

  /** {@code ' at line L column C (byte B), in a.b[2].c'}: where in the text and in the request. */
  private static String where(JsonLocation loc, JsonStreamContext context) {
    StringBuilder sb = new StringBuilder();
    if (loc != null && loc.getLineNr() > 0) {
      sb.append(" at line ").append(loc.getLineNr()).append(" column ").append(loc.getColumnNr());
      if (loc.getByteOffset() >= 0) {
        sb.append(" (byte ").append(loc.getByteOffset()).append(')');
      }
    }
    String path = path(context);
    if (!path.isEmpty()) {
      sb.append(sb.length() == 0 ? " in " : ", in ").append(path);
    }
    return sb.toString();
  }

  /** The field path of a parsing context, e.g. {@code resourceSpans[0].scopeSpans[1].spans[3]}. */
  static String path(JsonStreamContext context) {
    StringBuilder sb = new StringBuilder();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        if (c.getCurrentIndex() >= 0) {
          sb.insert(0, "[" + c.getCurrentIndex() + "]");
        }
      } else if (c.getCurrentName() != null) {
        String name = c.getCurrentName();
        if (name.length() > MAX_QUOTED_CHARS) {
          name = name.substring(0, MAX_QUOTED_CHARS) + "...";
        }
        sb.insert(0, (c.getParent() != null && c.getParent().inRoot() ? "" : ".") + name);
      }
    }
    // Deep nesting makes long paths; the innermost part says the most.
    return sb.length() <= 160 ? sb.toString() : "..." + sb.substring(sb.length() - 160);
  }

  /** A client's value quoted for an error message: a short prefix of a long one. */
  private static String quote(String s) {
    if (s.length() <= MAX_QUOTED_CHARS) {
      return "'" + s + "'";
    }
    int end = MAX_QUOTED_CHARS;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return "'" + s.substring(0, end) + "...' (" + s.length() + " characters)";
  }

  /** Jackson's message without its source description and internals. */
  private static String clean(String message) {
    if (message == null) {
      return "unreadable input";
    }
    String m = JACKSON_SOURCE.matcher(message).replaceAll("line $1 column $2");
    m = JACKSON_CONSTRAINT.matcher(m).replaceAll("");
    return m.length() <= 200 ? m : m.substring(0, 200) + "...";
  }
}
