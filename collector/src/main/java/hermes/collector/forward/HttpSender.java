package hermes.collector.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * OTLP/HTTP-protobuf export ({@code POST .../v1/traces}), honouring {@code Retry-After} on 429,
 * 502, 503 and 504. Threading: used by the one exporter thread.
 */
final class HttpSender implements Sender {
  private final HttpClient client;
  private final URI url;
  private final Map<String, String> headers;
  private final boolean gzip;
  private final Duration timeout;

  HttpSender(
      URI endpoint, Map<String, String> headers, boolean gzip, Duration timeout, TlsFiles tls)
      throws IOException {
    String path =
        endpoint.getPath() == null || endpoint.getPath().isEmpty() || endpoint.getPath().equals("/")
            ? "/v1/traces"
            : endpoint.getPath();
    this.url = endpoint.resolve(path);
    this.headers = headers;
    this.gzip = gzip;
    this.timeout = timeout;
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout);
    if ("https".equals(endpoint.getScheme())) {
      client.sslContext(tls.http());
    }
    this.client = client.build();
  }

  @Override
  public Outcome send(byte[] batch, Duration timeout) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(url)
              .timeout(timeout)
              .header("Content-Type", "application/x-protobuf");
      headers.forEach(b::header);
      byte[] body = batch;
      if (gzip) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(batch.length / 4 + 64);
        try (GZIPOutputStream gz = FastGzip.stream(out)) {
          gz.write(batch);
        }
        body = out.toByteArray();
        b.header("Content-Encoding", "gzip");
      }
      HttpResponse<byte[]> r =
          client.send(
              b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      int code = r.statusCode();
      if (code == 200) {
        return Outcome.delivered(PartialSuccess.rejectedSpans(r.body()));
      }
      if (code == 429 || code == 502 || code == 503 || code == 504) {
        long after = r.headers().firstValue("Retry-After").map(HttpSender::seconds).orElse(-1L);
        return Outcome.retryable("http_" + code, after, status(r));
      }
      return Outcome.fatal("http_" + code, status(r));
    } catch (javax.net.ssl.SSLException e) {
      // Untrusted or expired certificate, or no client certificate: named so it is not mistaken
      // for an outage; retried, since certificates are rotated without restarting us.
      return Outcome.retryable("tls", -1, "TLS: " + e.getMessage());
    } catch (java.net.http.HttpConnectTimeoutException e) {
      return Outcome.retryable("timeout", -1, "connect timed out after " + this.timeout);
    } catch (java.net.http.HttpTimeoutException e) {
      return Outcome.retryable("timeout", -1, "no answer within " + timeout);
    } catch (java.net.ConnectException e) {
      return Outcome.retryable("connect", -1, "connection refused (" + authority() + ")");
    } catch (IOException e) {
      return Outcome.retryable("connect", -1, "I/O error: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.retryable("interrupted", -1, "interrupted (shutdown)");
    }
  }

  private String authority() {
    return url.getHost() + ":" + url.getPort();
  }

  /** "HTTP 500: the body's start", for the log. */
  private static String status(HttpResponse<byte[]> r) {
    byte[] body = r.body();
    int n = Math.min(body.length, Outcome.MAX_DETAIL);
    return "HTTP "
        + r.statusCode()
        + (n == 0 ? "" : ": " + new String(body, 0, n, java.nio.charset.StandardCharsets.UTF_8));
  }

  private static long seconds(String v) {
    try {
      return Math.max(0, Long.parseLong(v.trim())) * 1000;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void close() {}
}
