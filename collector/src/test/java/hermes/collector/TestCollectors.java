package hermes.collector;

import hermes.collector.config.ConfigLoader;
import hermes.collector.ingest.TraceConsumer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Starts collectors on ephemeral loopback ports for integration tests. */
public final class TestCollectors {
  private TestCollectors() {}

  /** A collector on free ports; {@code keyValues} are extra config overrides (key, value, ...). */
  public static Collector start(TraceConsumer sink, String... keyValues) throws Exception {
    return Collector.start(ConfigLoader.load(null, Map.of(), overrides(keyValues)), sink);
  }

  /** Loopback ephemeral ports and a short grace period, plus {@code keyValues}. */
  private static Map<String, String> overrides(String... keyValues) {
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("otlp.http.endpoint", "127.0.0.1:0");
    overrides.put("otlp.grpc.endpoint", "127.0.0.1:0");
    overrides.put("admin.endpoint", "127.0.0.1:0");
    overrides.put("shutdown.grace_period", "2s");
    for (int i = 0; i < keyValues.length; i += 2) {
      overrides.put(keyValues[i], keyValues[i + 1]);
    }
    return overrides;
  }

  /**
   * The whole collector (agent model, sessions API, metrics) on free ports; {@code keyValues} are
   * extra config overrides (key, value, ...).
   */
  public static Collector startFull(String... keyValues) throws Exception {
    return Collector.start(ConfigLoader.load(null, Map.of(), overrides(keyValues)));
  }

  /** The collector's {@code /metrics} text. */
  public static String scrape(Collector c) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + c.adminAddress().getPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  /** The value of one sample line of {@code /metrics}, or 0 when the series is absent. */
  public static double sample(Collector c, String series) throws IOException, InterruptedException {
    for (String line : scrape(c).split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }
}
