package hermes.collector.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.session.GuardTrip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook's request body for one trip, and its signature.
 *
 * <p>Body: {@code {"session_key", "service", "guard", "value", "limit", "trace_id", "time"}}, UTF-8
 * JSON; {@code service} is null when the session has no {@code service.name}, {@code time} is RFC
 * 3339 in UTC with milliseconds. Signature: {@code sha256=} and the lowercase hex HMAC-SHA256,
 * keyed by the secret's UTF-8 bytes, of {@code <timestamp> + "." + <body>}, where timestamp is the
 * {@code X-Hermes-Timestamp} header (unix seconds) sent with it (the Stripe scheme: a receiver that
 * checks the timestamp is recent refuses a replayed request).
 *
 * <p>Threading: {@link #json} is stateless; an instance (it holds a {@link Mac}) is confined to the
 * sender thread.
 */
final class TripPayload {
  private static final JsonFactory JSON = new JsonFactory();
  private static final HexFormat HEX = HexFormat.of();

  private final Mac mac;

  /**
   * @param secret the key, or null to sign nothing
   */
  TripPayload(byte[] secret) {
    if (secret == null) {
      mac = null;
      return;
    }
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // Every Java platform has HmacSHA256, and any non-empty key fits it.
      throw new IllegalStateException("HmacSHA256: " + e.getMessage(), e);
    }
  }

  /** Whether requests are signed. */
  boolean signs() {
    return mac != null;
  }

  /** The {@code X-Hermes-Signature} value for {@code body} sent at {@code timestamp}. */
  String signature(long timestamp, byte[] body) {
    mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
    mac.update((byte) '.');
    return "sha256=" + HEX.formatHex(mac.doFinal(body));
  }

  /** The JSON body for {@code trip}. */
  static byte[] json(GuardTrip trip) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("session_key", trip.sessionKey());
      g.writeStringField("service", trip.service());
      g.writeStringField("guard", trip.guard().label());
      number(g, "value", trip.value());
      number(g, "limit", trip.limit());
      g.writeStringField("trace_id", trip.traceId());
      g.writeStringField("time", time(trip.atNanos()));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /** Counts as integers (5, not 5.0); USD and seconds as they are; never a non-JSON NaN. */
  private static void number(JsonGenerator g, String name, double v) throws IOException {
    g.writeFieldName(name);
    if (!Double.isFinite(v)) {
      g.writeNull();
    } else if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
      g.writeNumber((long) v);
    } else {
      g.writeNumber(v);
    }
  }

  /** RFC 3339, UTC, milliseconds: {@code 2026-04-15T10:15:00.123Z}. */
  static String time(long epochNanos) {
    return Instant.ofEpochSecond(
            Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L))
        .truncatedTo(ChronoUnit.MILLIS)
        .toString();
  }
}
