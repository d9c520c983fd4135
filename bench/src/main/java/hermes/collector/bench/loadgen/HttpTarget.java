package hermes.collector.bench.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** OTLP/HTTP ({@code POST /v1/traces}) with protobuf or JSON bodies, via {@code java.net.http}. */
final class HttpTarget implements Target {
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final URI url;
  private final String contentType;
  private final Failures failures;

  HttpTarget(URI url, String contentType, Failures failures) {
    this.url = url;
    this.contentType = contentType;
    this.failures = failures;
  }

  @Override
  public CompletableFuture<Result> send(byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (r, e) -> {
              if (e != null) {
                failures.add(Failures.describe(e, url.getAuthority()));
                return Result.ERROR;
              }
              int code = r.statusCode();
              if (code == 200) {
                return Result.OK;
              }
              failures.add(Failures.describe(code, r.body()));
              return code == 503 || code == 429 ? Result.REFUSED : Result.ERROR;
            });
  }

  @Override
  public void close() {
    // java.net.http clients release their connections when unreachable (JDK 17 has no close()).
  }
}
