package hermes.collector;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigException;
import hermes.collector.config.ConfigLoader;
import hermes.collector.config.Setting;
import hermes.collector.cost.Pricing;
import hermes.collector.cost.PricingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The command line: {@code validate} checks a configuration and {@code print-config} shows it,
 * starting nothing; without a subcommand it loads the configuration, starts the {@link Collector},
 * and on SIGTERM or SIGINT stops it within the grace period and exits 0.
 *
 * <p>Exit status: 0 after a clean stop, 1 when a listener cannot start, 2 for a bad command line or
 * configuration (the message names the key, the value and what is allowed).
 */
@Command(
    name = "hermes-collector",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    subcommands = {Main.Validate.class, Main.PrintConfig.class},
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

  @Mixin ConfigOptions options = new ConfigOptions();

  private volatile int exitStatus;

  /** Runs the collector until it is told to stop. */
  public static void main(String[] args) {
    // Netty 4.2 registers JFR events for its buffers when the JDK has JFR: ~130 classes of
    // jdk.jfr loaded at start for a recording that is not running (idle RSS, bench/RESULTS.md
    // "One Netty"). -Dio.netty.jfr.enabled=true brings them back for a profiling session.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    int status = commandLine().execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * The command line with a bad argument reported in one line (what is wrong and where to look),
   * not the whole usage.
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println(
              "hermes-collector: "
                  + ex.getMessage()
                  + " (see hermes-collector "
                  + (ex.getCommandLine().getParent() == null
                      ? ""
                      : ex.getCommandLine().getCommandName() + " ")
                  + "--help)");
          err.flush();
          return EXIT_CONFIG;
        });
    return cl;
  }

  @Override
  public Integer call() throws InterruptedException {
    Map<String, Setting> settings;
    CollectorConfig cfg;
    try {
      settings =
          ConfigLoader.effectiveChecked(options.config, System.getenv(), options.overrides());
      cfg = ConfigLoader.load(options.config, System.getenv(), options.overrides());
    } catch (ConfigException e) {
      System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    }
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
    log.info("{}", Version.line());
    log.info("{}", nonDefault(settings));
    Collector collector;
    try {
      collector = Collector.start(cfg);
    } catch (ConfigException e) {
      System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    } catch (IOException e) {
      // Collector.start logged the cause before stopping what had started.
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

  /** The start-up line naming every setting that differs from the embedded default. */
  static String nonDefault(Map<String, Setting> settings) {
    List<String> changed = new ArrayList<>();
    settings.forEach(
        (k, s) -> {
          if (s.source() != Setting.Source.DEFAULT) {
            changed.add(k + "=" + s.shown(k) + " (" + s.source() + ")");
          }
        });
    return changed.isEmpty()
        ? "settings: all defaults"
        : "settings not at their default: " + String.join(", ", changed);
  }

  /** Where the configuration comes from: the same options for running, validate, print-config. */
  static final class ConfigOptions {
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

    /** The flag overrides, {@code key -> value}. */
    Map<String, String> overrides() {
      Map<String, String> overrides = new LinkedHashMap<>(set);
      putIfSet(overrides, "otlp.http.endpoint", httpEndpoint);
      putIfSet(overrides, "otlp.grpc.endpoint", grpcEndpoint);
      putIfSet(overrides, "admin.endpoint", adminEndpoint);
      return overrides;
    }

    /** These options, with the ones given before the subcommand under them. */
    ConfigOptions under(ConfigOptions parent) {
      ConfigOptions o = new ConfigOptions();
      o.config = config != null ? config : parent.config;
      o.set.putAll(parent.overrides());
      o.set.putAll(overrides());
      return o;
    }

    private static void putIfSet(Map<String, String> m, String key, String value) {
      if (value != null) {
        m.put(key, value);
      }
    }
  }

  /** {@code validate}: loads and checks the configuration (and the price table); starts nothing. */
  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Checks the configuration (file, HERMES_COLLECTOR_* environment, flags) and the price"
            + " table without starting anything.",
        "Exit status: 0 when the collector would start with it, 2 otherwise (the message names the"
            + " key, the value and what is allowed)."
      })
  static final class Validate implements Callable<Integer> {
    @ParentCommand Main parent;
    @Mixin ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() {
      ConfigOptions o = options.under(parent.options);
      try {
        CollectorConfig cfg = ConfigLoader.load(o.config, System.getenv(), o.overrides());
        Pricing.load(cfg.pricing().file(), Duration.ZERO).close();
      } catch (ConfigException | PricingException e) {
        System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
        return EXIT_CONFIG;
      }
      System.out.println(
          "configuration OK" + (o.config == null ? " (no --config file)" : ": " + o.config));
      return 0;
    }
  }

  /** {@code print-config}: the effective configuration, each value's source, secrets redacted. */
  @Command(
      name = "print-config",
      mixinStandardHelpOptions = true,
      description = {
        "Prints the effective configuration, one key per line with where its value came from"
            + " (default, file, env, flag); secrets (tokens, passwords, forward headers) redacted.",
        "Exit status: 0, or 2 when the configuration is invalid."
      })
  static final class PrintConfig implements Callable<Integer> {
    @ParentCommand Main parent;
    @Mixin ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() {
      ConfigOptions o = options.under(parent.options);
      Map<String, Setting> settings;
      try {
        settings = ConfigLoader.effectiveChecked(o.config, System.getenv(), o.overrides());
      } catch (ConfigException e) {
        System.err.println("hermes-collector: invalid configuration: " + e.getMessage());
        return EXIT_CONFIG;
      }
      StringBuilder out = new StringBuilder();
      settings.forEach(
          (k, s) ->
              out.append(String.format("%-40s %-30s # %s%n", k + ":", s.shown(k), s.source())));
      System.out.print(out);
      return 0;
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

    /** The start-up line: version, build and the Java runtime. */
    static String line() {
      Properties p = new Properties();
      try (InputStream in =
          Main.class.getResourceAsStream("/hermes-collector-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // the line below says unknown
      }
      return "hermes-collector "
          + p.getProperty("version", "unknown")
          + " (build "
          + p.getProperty("build", "unknown")
          + ", Java "
          + Runtime.version()
          + ")";
    }
  }
}
