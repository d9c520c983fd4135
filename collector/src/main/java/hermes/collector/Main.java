package hermes.collector;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigException;
import hermes.collector.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line: loads the configuration, starts the {@link Collector}, and on SIGTERM or SIGINT
 * stops it within the grace period and exits 0.
 *
 * <p>Exit status: 0 after a clean stop, 1 when a listener cannot start, 2 for a bad command line or
 * configuration (the message names the key, the value and what is allowed).
 */
@Command(
    name = "hermes-collector",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    description = {
      "A telemetry sidecar for AI agents: receives OTLP (gRPC 4317, HTTP 4318), understands agent"
          + " spans, serves Prometheus metrics (8889).",
      "",
      "Configuration: the embedded default (config/collector.yaml), then --config FILE, then"
          + " HERMES_COLLECTOR_<KEY> environment variables, then flags."
    })
public final class Main implements Callable<Integer> {
  /** Exit status for a configuration the collector cannot run with. */
  static final int EXIT_CONFIG = 2;

  /** Exit status when a listener cannot start. */
  static final int EXIT_START = 1;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML file of overrides (same layout as config/collector.yaml).")
  Path config;

  @Option(
      names = "--otlp-http-endpoint",
      paramLabel = "HOST:PORT",
      description = "Same as --set otlp.http.endpoint=HOST:PORT.")
  String httpEndpoint;

  @Option(
      names = "--otlp-grpc-endpoint",
      paramLabel = "HOST:PORT",
      description = "Same as --set otlp.grpc.endpoint=HOST:PORT.")
  String grpcEndpoint;

  @Option(
      names = "--admin-endpoint",
      paramLabel = "HOST:PORT",
      description = "Same as --set admin.endpoint=HOST:PORT.")
  String adminEndpoint;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override any config key, e.g. --set shutdown.grace_period=5s. Repeatable.")
  Map<String, String> set = new LinkedHashMap<>();

  private volatile int exitStatus;

  /** Runs the collector until it is told to stop. */
  public static void main(String[] args) {
    int status = new CommandLine(new Main()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> overrides = new LinkedHashMap<>(set);
    putIfSet(overrides, "otlp.http.endpoint", httpEndpoint);
    putIfSet(overrides, "otlp.grpc.endpoint", grpcEndpoint);
    putIfSet(overrides, "admin.endpoint", adminEndpoint);
    CollectorConfig cfg;
    try {
      cfg = ConfigLoader.load(config, System.getenv(), overrides);
    } catch (ConfigException e) {
      System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Collector collector;
    try {
      collector = Collector.start(cfg);
    } catch (ConfigException e) {
      System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    } catch (IOException e) {
      System.err.println("hermes-collector: " + e.getMessage());
      return EXIT_START;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  collector.close();
                  stopped.countDown();
                  // The JVM reports 128+signal after a signal even when the hooks finish
                  // cleanly; a graceful stop is a success, so end with our own status.
                  Runtime.getRuntime().halt(exitStatus);
                },
                "shutdown"));
    stopped.await();
    return exitStatus;
  }

  private static void putIfSet(Map<String, String> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in =
          Main.class.getResourceAsStream("/hermes-collector-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"hermes-collector " + p.getProperty("version", "unknown")};
    }
  }
}
