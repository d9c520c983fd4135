package hermes.collector;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container health probe with nothing but the JRE: GETs a URL (by default the local {@code
 * /healthz}) and exits 0 on HTTP 200, 1 otherwise. Used by the Dockerfile's {@code HEALTHCHECK}.
 */
public final class HealthCheck {
  private HealthCheck() {}

  /** Probes {@code args[0]} or {@code http://127.0.0.1:8889/healthz}. */
  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8889/healthz";
    try {
      HttpResponse<Void> r =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(2))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
      System.exit(r.statusCode() == 200 ? 0 : 1);
    } catch (Exception e) {
      System.err.println("health check failed: " + e);
      System.exit(1);
    }
  }
}
