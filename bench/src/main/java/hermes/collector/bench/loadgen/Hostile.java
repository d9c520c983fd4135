package hermes.collector.bench.loadgen;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * Bad and hostile OTLP/HTTP requests of the kinds issue 11 lists, sent over raw sockets (so the
 * client can lie about lengths, stall, or hang up as an attacker would), and what the collector is
 * expected to answer to each. A hostile request's 400 or 413 is the right answer, not an error.
 *
 * <p>Threading: the builders are pure functions of their arguments; {@link #send} blocks on its
 * socket and may run on any number of threads at once.
 */
final class Hostile {
  /** A kind of bad request, the answers that are right for it, and what it stands for. */
  enum Kind {
    /** Protobuf content type, random bytes as the body. */
    MALFORMED_PROTOBUF(Set.of("400")),
    /** A good protobuf body gzipped, cut at half. */
    TRUNCATED_GZIP(Set.of("400")),
    /** ~64 KiB of gzip that inflates to 64 MiB, past {@code otlp.max_request_bytes} (20 MiB). */
    GZIP_BOMB(Set.of("413")),
    /** {@code Content-Length: 100000000}, no body; the client reads the answer, then closes. */
    HUGE_CONTENT_LENGTH(Set.of("413")),
    /** OTLP/JSON whose start time is {@code "1e30000000"}. */
    JSON_HUGE_EXPONENT(Set.of("400")),
    /** OTLP/JSON whose trace id is 32 full-width digits (U+FF11), not ASCII hex. */
    FULLWIDTH_HEX_ID(Set.of("400")),
    /** Valid protobuf: 4 spans whose names, model and tool names are 64 KiB each. */
    LONG_NAMES(Set.of("200")),
    /** Valid protobuf: 16 spans in a new trace whose parent never arrives. */
    ORPHAN_SPANS(Set.of("200")),
    /** Half a request head, then nothing: the collector must close it (header timeout). */
    SLOW_HEAD(Set.of("closed", "408"));

    final Set<String> expected;

    Kind(Set<String> expected) {
      this.expected = expected;
    }
  }

  /** How long a hostile client waits for an answer or a close before it calls it hanging. */
  static final int ANSWER_TIMEOUT_MILLIS = 60_000;

  static final int LONG_NAME_BYTES = 64 * 1024;
  static final int BOMB_INFLATED_BYTES = 64 * 1024 * 1024;
  private static final byte[] BOMB = gzip(new byte[BOMB_INFLATED_BYTES]);

  private Hostile() {}

  /**
   * The bytes a hostile client writes for {@code kind} to {@code authority} (host:port): a whole
   * HTTP/1.1 request, or for {@link Kind#HUGE_CONTENT_LENGTH} and {@link Kind#SLOW_HEAD} the part
   * it sends before it waits. {@code seed} varies ids and garbage between requests.
   */
  static byte[] request(Kind kind, String authority, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    switch (kind) {
      case MALFORMED_PROTOBUF:
        {
          byte[] junk = new byte[256 + r.nextInt(4096)];
          new Random(seed).nextBytes(junk);
          junk[0] = (byte) 0xff; // field 31, wire type 7: never valid protobuf
          return post(authority, "application/x-protobuf", null, junk);
        }
      case TRUNCATED_GZIP:
        {
          byte[] gz = gzip(orphans(r, 16).toByteArray());
          return post(
              authority, "application/x-protobuf", "gzip", Arrays.copyOf(gz, gz.length / 2));
        }
      case GZIP_BOMB:
        return post(authority, "application/x-protobuf", "gzip", BOMB);
      case HUGE_CONTENT_LENGTH:
        return head(authority, "application/x-protobuf", 100_000_000L, null);
      case JSON_HUGE_EXPONENT:
        return post(
            authority,
            "application/json",
            null,
            json(hex(r, 16), hex(r, 8), "\"1e30000000\"").getBytes(StandardCharsets.UTF_8));
      case FULLWIDTH_HEX_ID:
        return post(
            authority,
            "application/json",
            null,
            json("\uff11".repeat(32), hex(r, 8), "\"1700000000000000000\"")
                .getBytes(StandardCharsets.UTF_8));
      case LONG_NAMES:
        return post(authority, "application/x-protobuf", null, longNames(r).toByteArray());
      case ORPHAN_SPANS:
        return post(authority, "application/x-protobuf", null, orphans(r, 16).toByteArray());
      case SLOW_HEAD:
        {
          byte[] whole = head(authority, "application/x-protobuf", 1000, null);
          return Arrays.copyOf(whole, whole.length / 2);
        }
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * Connects, writes {@link #request}, and returns what came back: the HTTP status ("400"),
   * "closed" (the collector closed without an answer), "reset", "hanging" (neither answer nor close
   * within {@link #ANSWER_TIMEOUT_MILLIS}) or "connect failed". Never throws.
   */
  static String send(Kind kind, InetSocketAddress to, long seed) {
    byte[] bytes = request(kind, to.getHostString() + ":" + to.getPort(), seed);
    try (Socket s = new Socket()) {
      try {
        s.connect(to, 5_000);
      } catch (IOException e) {
        return "connect failed";
      }
      s.setSoTimeout(ANSWER_TIMEOUT_MILLIS);
      try {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // A collector may answer and close before it has read all of a bad body (a bomb past
        // the limit, say); what it answered is still readable, so read on.
      }
      return status(s.getInputStream());
    } catch (SocketTimeoutException e) {
      return "hanging";
    } catch (SocketException e) {
      return "reset";
    } catch (IOException e) {
      return "reset";
    }
  }

  /** The status code of the HTTP answer on {@code in}, or "closed" at end of stream. */
  static String status(InputStream in) throws IOException {
    byte[] line = new byte[64];
    int n = 0;
    for (int b; n < line.length && (b = in.read()) != -1 && b != '\n'; ) {
      line[n++] = (byte) b;
    }
    if (n == 0) {
      return "closed";
    }
    String s = new String(line, 0, n, StandardCharsets.ISO_8859_1);
    // "HTTP/1.1 413 Request Entity Too Large"
    String[] parts = s.split(" ");
    return parts.length >= 2 && parts[0].startsWith("HTTP/") ? parts[1] : "garbled";
  }

  private static byte[] post(String authority, String contentType, String encoding, byte[] body) {
    byte[] head = head(authority, contentType, body.length, encoding);
    byte[] all = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  private static byte[] head(
      String authority, String contentType, long contentLength, String encoding) {
    return ("POST /v1/traces HTTP/1.1\r\nHost: "
            + authority
            + "\r\nContent-Type: "
            + contentType
            + (encoding == null ? "" : "\r\nContent-Encoding: " + encoding)
            + "\r\nContent-Length: "
            + contentLength
            + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  static String json(String traceId, String spanId, String startTime) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        + "\"value\":{\"stringValue\":\"hostile\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":\""
        + traceId
        + "\",\"spanId\":\""
        + spanId
        + "\",\"name\":\"x\",\"kind\":1,\"startTimeUnixNano\":"
        + startTime
        + ",\"endTimeUnixNano\":\"1700000001000000000\"}]}]}]}";
  }

  /** {@code n} spans of one new trace, each a child of a span that is never sent. */
  static ExportTraceServiceRequest orphans(SplittableRandom r, int n) {
    ByteString trace = bytes(r, 16);
    ByteString missingParent = bytes(r, 8);
    long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < n; i++) {
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(trace)
              .setSpanId(bytes(r, 8))
              .setParentSpanId(missingParent)
              .setName("chat orphan")
              .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
              .setStartTimeUnixNano(now - 1_000_000_000L)
              .setEndTimeUnixNano(now)
              .addAttributes(kv("hermes.span.kind", "LLM"))
              .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
              .addAttributes(kv("hermes.session.id", "orphan-" + Long.toHexString(r.nextLong())))
              .build());
    }
    return wrap(scope);
  }

  /** 4 spans (LLM and tool) whose name, model and tool name are {@link #LONG_NAME_BYTES} long. */
  static ExportTraceServiceRequest longNames(SplittableRandom r) {
    ByteString trace = bytes(r, 16);
    long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < 4; i++) {
      // Distinct per request, so that every one is a new label value for the caps to cut.
      String name = longName(r);
      boolean tool = i % 2 == 1;
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(trace)
              .setSpanId(bytes(r, 8))
              .setName(name)
              .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
              .setStartTimeUnixNano(now - 1_000_000_000L)
              .setEndTimeUnixNano(now)
              .addAttributes(kv("hermes.span.kind", tool ? "TOOL" : "LLM"))
              .addAttributes(kv(tool ? "hermes.tool.name" : "gen_ai.request.model", name))
              .addAttributes(kv("hermes.session.id", "long-" + Long.toHexString(r.nextLong())))
              .build());
    }
    return wrap(scope);
  }

  private static String longName(SplittableRandom r) {
    StringBuilder b = new StringBuilder(LONG_NAME_BYTES);
    b.append(Long.toHexString(r.nextLong())).append('-');
    while (b.length() < LONG_NAME_BYTES) {
      b.append('x');
    }
    return b.toString();
  }

  private static ExportTraceServiceRequest wrap(ScopeSpans.Builder scope) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", "hostile")))
                .addScopeSpans(scope))
        .build();
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder()
        .setKey(k)
        .setValue(AnyValue.newBuilder().setStringValue(v))
        .build();
  }

  private static ByteString bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    b[0] |= 1; // never all zeros (an invalid id)
    return ByteString.copyFrom(b);
  }

  private static String hex(SplittableRandom r, int n) {
    StringBuilder b = new StringBuilder(2 * n);
    for (int i = 0; i < n; i++) {
      b.append(String.format("%02x", r.nextInt(1, 256)));
    }
    return b.toString();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
