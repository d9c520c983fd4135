package hermes.collector.bench;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a corpus endless: for pass {@code n} it rewrites a serialized export request's trace ids,
 * span ids, parent span ids and session-id attribute values in place, so every pass is new sessions
 * and traces (replaying the same ids would make the collector see late spans of finished sessions).
 * The rewrite is a bijection per pass (XOR with the pass number), so the links between spans,
 * across requests too, stay intact, and it keeps every length, so nothing else moves.
 *
 * <p>Where the ids sit is found once per request ({@link #of}); {@link #rekey} only patches bytes.
 * Session ids are rewritten in their first six characters when those are hex digits (the corpora
 * here write hex ids). Threading: immutable; {@link #rekey} writes only the buffer it is given.
 */
public final class Rekeyer {
  private static final Set<String> SESSION_KEYS =
      Set.of(
          "hermes.session.id",
          "gen_ai.conversation.id",
          "session.id",
          "traceloop.association.properties.session_id");
  private static final int HEX_CHARS = 6;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private static final int ID_HEX_CHARS = 8; // an id's first four bytes, written as hex
  private static final Pattern JSON_ID =
      Pattern.compile("\"(?:traceId|spanId|parentSpanId)\"\\s*:\\s*\"([0-9a-f]{8})");
  private static final Pattern JSON_SESSION_KEY =
      Pattern.compile(
          "\"key\"\\s*:\\s*\"(?:"
              + String.join("|", SESSION_KEYS).replace(".", "\\.")
              + ")\"\\s*,\\s*\"value\"\\s*:\\s*\\{\\s*\"stringValue\"\\s*:\\s*\"([0-9a-f]{6})");

  private final int[] idOffsets; // binary trace, span and parent ids: XOR their first four bytes
  private final int[] hexOffsets; // hex text (session ids; JSON ids): XOR its first characters
  private final int[] hexLengths;

  private Rekeyer(int[] idOffsets, int[] hexOffsets, int[] hexLengths) {
    this.idOffsets = idOffsets;
    this.hexOffsets = hexOffsets;
    this.hexLengths = hexLengths;
  }

  /**
   * Finds the ids of one OTLP/JSON {@code ExportTraceServiceRequest} (hex ids, as OTLP/JSON writes
   * them): the same rewrite on text, where each hex digit is XORed with a digit of the pass.
   */
  public static Rekeyer ofJson(byte[] json) {
    String text = new String(json, StandardCharsets.ISO_8859_1); // one char per byte: offsets hold
    int[] at = new int[64];
    int[] len = new int[64];
    int n = 0;
    for (Pattern p : List.of(JSON_ID, JSON_SESSION_KEY)) {
      Matcher m = p.matcher(text);
      while (m.find()) {
        if (n == at.length) {
          at = Arrays.copyOf(at, n * 2);
          len = Arrays.copyOf(len, n * 2);
        }
        at[n] = m.start(1);
        len[n++] = p == JSON_ID ? ID_HEX_CHARS : HEX_CHARS;
      }
    }
    return new Rekeyer(new int[0], Arrays.copyOf(at, n), Arrays.copyOf(len, n));
  }

  /** Finds the ids of one serialized {@code ExportTraceServiceRequest}. */
  public static Rekeyer of(byte[] request) {
    Offsets o = new Offsets();
    try {
      CodedInputStream in = CodedInputStream.newInstance(request);
      // request.resource_spans(1) -> scope_spans(2) -> spans(2)
      forEachMessage(in, 1, rs -> forEachMessage(rs, 2, ss -> forEachMessage(ss, 2, o::span)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int[] lengths = new int[o.keyCount];
    Arrays.fill(lengths, HEX_CHARS);
    return new Rekeyer(Arrays.copyOf(o.ids, o.idCount), Arrays.copyOf(o.keys, o.keyCount), lengths);
  }

  /**
   * Rewrites {@code request} (a copy of the bytes this was made from) for pass {@code pass}. Passes
   * compose by XOR: bytes of pass {@code a} rekeyed with {@code a ^ b} are the bytes of pass {@code
   * b}.
   */
  public void rekey(byte[] request, int pass) {
    for (int at : idOffsets) {
      request[at] ^= (byte) (pass >>> 24);
      request[at + 1] ^= (byte) (pass >>> 16);
      request[at + 2] ^= (byte) (pass >>> 8);
      request[at + 3] ^= (byte) pass;
    }
    for (int k = 0; k < hexOffsets.length; k++) {
      int at = hexOffsets[k];
      boolean id = hexLengths[k] == ID_HEX_CHARS;
      for (int i = 0; i < hexLengths[k]; i++) {
        int digit = hexValue(request[at + i]);
        if (digit >= 0) {
          // an id's hex digits get the same bits as its bytes get in binary (big-endian)
          request[at + i] = HEX[digit ^ ((pass >>> (id ? 28 - 4 * i : 4 * i)) & 0xf)];
        }
      }
    }
  }

  private static int hexValue(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    return -1;
  }

  private interface MessageReader {
    void read(CodedInputStream in) throws IOException;
  }

  /** Calls {@code reader} for every field {@code number} (a message) of the current message. */
  private static void forEachMessage(CodedInputStream in, int number, MessageReader reader)
      throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      if (WireFormat.getTagFieldNumber(tag) == number
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(in.readRawVarint32());
        reader.read(in);
        in.popLimit(limit);
      } else {
        in.skipField(tag);
      }
    }
  }

  private static final class Offsets {
    int[] ids = new int[64];
    int idCount;
    int[] keys = new int[64];
    int keyCount;

    void span(CodedInputStream in) throws IOException {
      while (true) {
        int tag = in.readTag();
        int field = WireFormat.getTagFieldNumber(tag);
        if (tag == 0) {
          return;
        }
        if ((field == 1 || field == 2 || field == 4)
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          int length = in.readRawVarint32();
          if (length >= 4) {
            addId(in.getTotalBytesRead());
          }
          in.skipRawBytes(length);
        } else if (field == 9 && WireFormat.getTagWireType(tag) == 2) {
          int limit = in.pushLimit(in.readRawVarint32());
          attribute(in);
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
    }

    /** A KeyValue: remembers where the value's string starts when the key is a session key. */
    private void attribute(CodedInputStream in) throws IOException {
      String key = null;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1) {
          key = in.readStringRequireUtf8();
        } else if (field == 2 && key != null && SESSION_KEYS.contains(key)) {
          int limit = in.pushLimit(in.readRawVarint32());
          int t = in.readTag();
          if (WireFormat.getTagFieldNumber(t) == 1) { // AnyValue.string_value
            int length = in.readRawVarint32();
            if (length >= HEX_CHARS) {
              addKey(in.getTotalBytesRead());
            }
            in.skipRawBytes(length);
          }
          in.skipMessage();
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
    }

    private void addId(int at) {
      if (idCount == ids.length) {
        ids = Arrays.copyOf(ids, idCount * 2);
      }
      ids[idCount++] = at;
    }

    private void addKey(int at) {
      if (keyCount == keys.length) {
        keys = Arrays.copyOf(keys, keyCount * 2);
      }
      keys[keyCount++] = at;
    }
  }
}
