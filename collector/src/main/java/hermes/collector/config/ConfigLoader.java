package hermes.collector.config;

import hermes.collector.semconv.CacheSemantics;
import hermes.collector.semconv.Convention;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Builds the {@link CollectorConfig} from, in increasing precedence: the embedded default ({@code
 * config/collector.yaml}, packaged in the jar), an optional file, environment variables {@code
 * HERMES_COLLECTOR_<KEY>} and flag overrides. The embedded default defines which keys exist: an
 * unknown key anywhere is an error, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
  /** Prefix of the environment variable that overrides each key. */
  public static final String ENV_PREFIX = "HERMES_COLLECTOR_";

  static final String DEFAULT_RESOURCE = "/collector.yaml";

  private ConfigLoader() {}

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /**
   * Loads and validates the configuration.
   *
   * @param file a YAML file of overrides, or null
   * @param env the process environment (only {@code HERMES_COLLECTOR_*} entries are read)
   * @param overrides {@code key -> value} from flags
   */
  public static CollectorConfig load(
      Path file, Map<String, String> env, Map<String, String> overrides) throws ConfigException {
    Map<String, String> values = new LinkedHashMap<>();
    effective(file, env, overrides).forEach((k, s) -> values.put(k, s.value()));
    // After every layer is merged, so a reference works wherever the value came from.
    return build(new ConfigValues(ConfigExpander.expand(values, env)));
  }

  /**
   * Loads and validates the configuration like {@link #load}, and returns every key's effective
   * value with its source, in the embedded default's order (for {@code print-config}).
   */
  public static Map<String, Setting> effectiveChecked(
      Path file, Map<String, String> env, Map<String, String> overrides) throws ConfigException {
    Map<String, Setting> settings = effective(file, env, overrides);
    Map<String, String> values = new LinkedHashMap<>();
    settings.forEach((k, s) -> values.put(k, s.value()));
    // Validated with references expanded; shown as written (a ${file:...} names no secret).
    build(new ConfigValues(ConfigExpander.expand(values, env)));
    return settings;
  }

  /**
   * The effective value of every key and where it came from, not yet validated. An unknown key in
   * the file or the flags, and an unknown {@code HERMES_COLLECTOR_*} environment variable, is an
   * error that suggests the closest known key.
   */
  static Map<String, Setting> effective(
      Path file, Map<String, String> env, Map<String, String> overrides) throws ConfigException {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(overrides, "overrides");
    Map<String, Setting> values = new LinkedHashMap<>();
    embeddedDefaults().forEach((k, v) -> values.put(k, new Setting(v, Setting.Source.DEFAULT)));
    if (file != null) {
      Map<String, String> fromFile;
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        fromFile = flatten(parse(r, file.toString()), file.toString());
      } catch (IOException e) {
        throw new ConfigException("--config: cannot read '" + file + "': " + e.getMessage());
      }
      merge(values, fromFile, "in " + file, Setting.Source.FILE);
    }
    Map<String, String> envKeys = new LinkedHashMap<>();
    for (String key : values.keySet()) {
      envKeys.put(envName(key), key);
    }
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith(ENV_PREFIX)) {
        continue;
      }
      String key = envKeys.get(name);
      if (key == null) {
        String near = Suggestions.closest(name, envKeys.keySet());
        throw new ConfigException(
            "unknown environment variable "
                + name
                + (near == null
                    ? " (HERMES_COLLECTOR_ + a config key upper-cased, dots as underscores)"
                    : "; did you mean " + near + "?"));
      }
      values.put(key, new Setting(env.get(name), Setting.Source.ENV));
    }
    merge(values, overrides, "in --set", Setting.Source.FLAG);
    return values;
  }

  static Map<String, String> embeddedDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("embedded default config missing from the jar");
      }
      Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
      return flatten(parse(r, "embedded default"), "embedded default");
    } catch (IOException | ConfigException e) {
      throw new IllegalStateException("embedded default config is broken: " + e.getMessage(), e);
    }
  }

  private static void merge(
      Map<String, Setting> into, Map<String, String> from, String where, Setting.Source source)
      throws ConfigException {
    for (Map.Entry<String, String> e : from.entrySet()) {
      if (!into.containsKey(e.getKey())) {
        String near = Suggestions.closest(e.getKey(), into.keySet());
        throw new ConfigException(
            "unknown config key '"
                + e.getKey()
                + "' "
                + where
                + (near == null
                    ? "; known keys: " + String.join(", ", new TreeSet<>(into.keySet()))
                    : "; did you mean '" + near + "'?"));
      }
      into.put(e.getKey(), new Setting(e.getValue(), source));
    }
  }

  private static Object parse(Reader r, String source) throws ConfigException {
    try {
      return new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
    } catch (YAMLException e) {
      throw new ConfigException("invalid YAML in " + source + ": " + e.getMessage());
    }
  }

  private static Map<String, String> flatten(Object root, String source) throws ConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null) {
      return out;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException(source + ": expected a mapping of keys at the top level");
    }
    flatten("", map, out);
    return out;
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = prefix + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> nested) {
        flatten(key + ".", nested, out);
      } else if (v instanceof List<?> list) {
        List<String> parts = new ArrayList<>();
        for (Object o : list) {
          parts.add(String.valueOf(o));
        }
        out.put(key, String.join(",", parts));
      } else {
        out.put(key, v == null ? "" : String.valueOf(v));
      }
    }
  }

  private static CollectorConfig.Forward forward(ConfigValues v) throws ConfigException {
    String endpoint = v.string("forward.endpoint");
    java.net.URI uri = null;
    if (!endpoint.isEmpty()) {
      try {
        uri = new java.net.URI(endpoint);
      } catch (java.net.URISyntaxException e) {
        uri = null;
      }
      if (uri == null
          || uri.getHost() == null
          || !(("http".equals(uri.getScheme())) || "https".equals(uri.getScheme()))) {
        throw new ConfigException(
            "forward.endpoint: '"
                + endpoint
                + "' is not an http:// or https:// URL with a host"
                + " (for example http://jaeger:4317)");
      }
    }
    CollectorConfig.Forward.Protocol protocol =
        oneOf(v, "forward.protocol", CollectorConfig.Forward.Protocol.values());
    String compression = v.string("forward.compression");
    if (!compression.equals("gzip") && !compression.equals("none")) {
      throw new ConfigException(
          "forward.compression: '" + compression + "' is not one of gzip, none");
    }
    CollectorConfig.Forward.OnFull onFull =
        oneOf(v, "forward.on_full", CollectorConfig.Forward.OnFull.values());
    CollectorConfig.Forward.SpoolSync spoolSync =
        oneOf(v, "forward.spool.sync", CollectorConfig.Forward.SpoolSync.values());
    if (v.string("forward.tls.cert_file").isEmpty() != v.string("forward.tls.key_file").isEmpty()) {
      throw new ConfigException(
          "forward.tls.cert_file and forward.tls.key_file: set both (a client certificate and its"
              + " key) or neither");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int entry = 0;
    for (String h : v.string("forward.headers").split(",")) {
      entry++;
      if (h.isBlank()) {
        continue;
      }
      int eq = h.indexOf('=');
      if (eq <= 0) {
        // Not echoed: a header entry is often a credential ("Authorization: Bearer ...").
        throw new ConfigException(
            "forward.headers: entry " + entry + " is not Name=Value (value not shown)");
      }
      headers.put(h.substring(0, eq).trim().toLowerCase(Locale.ROOT), h.substring(eq + 1).trim());
    }
    return new CollectorConfig.Forward(
        uri,
        protocol,
        Map.copyOf(headers),
        compression.equals("gzip"),
        (int) v.bytes("forward.max_batch_bytes", 1024, 64L << 20),
        v.duration("forward.linger", Duration.ZERO, Duration.ofMinutes(1)),
        v.bytes("forward.queue_max_bytes", 1024, 64L << 30),
        onFull,
        v.duration("forward.timeout", Duration.ofMillis(100), Duration.ofMinutes(10)),
        v.duration("forward.retry_initial", Duration.ofMillis(1), Duration.ofMinutes(1)),
        v.duration("forward.retry_max", Duration.ofMillis(1), Duration.ofMinutes(10)),
        v.string("forward.spool.dir").isEmpty() ? null : Path.of(v.string("forward.spool.dir")),
        v.bytes("forward.spool.max_bytes", 64 * 1024, 1L << 50),
        v.bytes("forward.spool.segment_bytes", 4 * 1024, 1L << 34),
        spoolSync,
        v.duration("forward.spool.sync_interval", Duration.ofMillis(1), Duration.ofMinutes(10)),
        redactedKeys(v.string("forward.redact_attributes")),
        tlsFile(v, "forward.tls.ca_file", uri),
        tlsFile(v, "forward.tls.cert_file", uri),
        tlsFile(v, "forward.tls.key_file", uri));
  }

  /**
   * The constant of a closed set whose {@code toString()} is {@code key}'s value; else an error
   * naming the key and the allowed values.
   */
  private static <E extends Enum<E>> E oneOf(ConfigValues v, String key, E[] allowed)
      throws ConfigException {
    String value = v.string(key);
    List<String> names = new ArrayList<>();
    for (E e : allowed) {
      if (e.toString().equals(value)) {
        return e;
      }
      names.add(e.toString());
    }
    throw new ConfigException(key + ": '" + value + "' is not one of " + String.join(", ", names));
  }

  private static Path tlsFile(ConfigValues v, String key, java.net.URI endpoint)
      throws ConfigException {
    String file = v.string(key);
    if (file.isEmpty()) {
      return null;
    }
    if (endpoint == null || !"https".equals(endpoint.getScheme())) {
      throw new ConfigException(key + ": TLS files need an https:// forward.endpoint");
    }
    Path p = Path.of(file);
    if (!java.nio.file.Files.isReadable(p)) {
      throw new ConfigException(key + ": '" + file + "' is not a readable file");
    }
    return p;
  }

  /** {@code ui.jaeger_url}: empty, or an http(s) URL without a trailing slash. */
  private static String jaegerUrl(String url) throws ConfigException {
    if (url.isEmpty()) {
      return url;
    }
    java.net.URI u;
    try {
      u = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      u = null;
    }
    if (u == null
        || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
        || u.getHost() == null
        || u.getQuery() != null
        || u.getFragment() != null) {
      throw new ConfigException(
          "ui.jaeger_url: '"
              + url
              + "' is not an http:// or https:// URL (e.g. http://localhost:16686)");
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static List<String> redactedKeys(String joined) {
    List<String> keys = new ArrayList<>();
    for (String k : joined.split(",")) {
      if (!k.isBlank()) {
        keys.add(k.trim());
      }
    }
    return List.copyOf(keys);
  }

  /** The connection bounds under {@code prefix}; the body timeout is read from {@code bodyKey}. */
  private static CollectorConfig.Connections connections(
      ConfigValues v, String prefix, String bodyKey) throws ConfigException {
    Duration min = Duration.ofMillis(100);
    Duration max = Duration.ofHours(24);
    return new CollectorConfig.Connections(
        v.integer(prefix + ".max_connections", 1, 1_000_000),
        v.duration(prefix + ".header_timeout", min, max),
        v.duration(bodyKey, min, max),
        v.duration(prefix + ".idle_timeout", min, max));
  }

  private static boolean flag(ConfigValues v, String key) throws ConfigException {
    String s = v.string(key);
    if (s == null || s.equalsIgnoreCase("false")) {
      return false;
    }
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    throw new ConfigException(key + ": expected true or false, got \"" + s + "\"");
  }

  private static CollectorConfig build(ConfigValues v) throws ConfigException {
    CollectorConfig.Otlp otlp =
        new CollectorConfig.Otlp(
            v.endpoint("otlp.http.endpoint"),
            v.bytes("otlp.http.max_inflight_bytes", 1024, Long.MAX_VALUE),
            connections(v, "otlp.http", "otlp.http.body_timeout"),
            v.endpoint("otlp.grpc.endpoint"),
            v.integer("otlp.grpc.max_concurrent_streams", 1, 10_000),
            v.bytes("otlp.grpc.max_inflight_bytes", 1024, Long.MAX_VALUE),
            v.integer("otlp.grpc.max_connections", 1, 1_000_000),
            (int) v.bytes("otlp.max_request_bytes", 1024, Integer.MAX_VALUE - 8),
            v.integer("otlp.max_attribute_depth", 1, 64),
            v.integer("otlp.max_attributes_per_span", 1, 65536),
            v.integer("otlp.retry_after_seconds", 0, 3600));
    CollectorConfig.Admin admin =
        new CollectorConfig.Admin(
            v.endpoint("admin.endpoint"),
            v.string("admin.api_token"),
            connections(v, "admin", "admin.header_timeout"),
            v.integer("admin.max_stream_subscribers", 0, 10_000),
            v.bytes("admin.stream_buffer_bytes", 1024, 1L << 30),
            v.integer("admin.stream_queue_events", 16, 10_000_000),
            jaegerUrl(v.string("ui.jaeger_url")));
    int shards = v.integer("sessions.shards", 0, 256);
    CollectorConfig.Sessions sessions =
        new CollectorConfig.Sessions(
            shards == 0 ? Runtime.getRuntime().availableProcessors() : shards,
            v.duration("sessions.settle_delay", Duration.ofMillis(10), Duration.ofMinutes(10)),
            v.duration("sessions.idle_timeout", Duration.ofMillis(100), Duration.ofDays(7)),
            v.integer("sessions.max_live", 1, 100_000_000),
            v.integer("sessions.max_spans_per_session", 0, 10_000_000),
            v.integer("sessions.finished_kept", 0, 1_000_000),
            v.integer("sessions.max_queued_spans", 1, 1_000_000_000),
            v.duration(
                "sessions.rootless_idle_timeout", Duration.ofMillis(100), Duration.ofDays(7)),
            v.integer("sessions.max_pending_spans", 256, 1_000_000_000),
            flag(v, "sessions.capture_content"),
            v.integer("sessions.max_content_bytes", 16, 1 << 20));
    CollectorConfig.Guards guards = guards(v);
    Map<Convention, CacheSemantics> includesCache = new EnumMap<>(Convention.class);
    for (Convention c :
        List.of(
            Convention.HERMES,
            Convention.GENAI,
            Convention.OPENINFERENCE,
            Convention.OPENLLMETRY)) {
      String key = "semconv.includes_cache." + c.name().toLowerCase(Locale.ROOT);
      CacheSemantics cs = CacheSemantics.parse(v.string(key));
      if (cs == null) {
        throw new ConfigException(
            key + ": '" + v.string(key) + "' is not one of auto, true, false");
      }
      includesCache.put(c, cs);
    }
    CollectorConfig.Semconv semconv =
        new CollectorConfig.Semconv(
            v.integer("semconv.max_names", 1, 1_000_000),
            includesCache,
            v.integer("semconv.max_name_bytes", 16, 65_536));
    String priceFile = v.string("pricing.file");
    CollectorConfig.Pricing pricing =
        new CollectorConfig.Pricing(
            priceFile.isEmpty() ? null : Path.of(priceFile),
            v.duration("pricing.reload_interval", Duration.ZERO, Duration.ofHours(24)));
    Duration grace = v.duration("shutdown.grace_period", Duration.ZERO, Duration.ofMinutes(10));
    CollectorConfig.Metrics metrics =
        new CollectorConfig.Metrics(
            v.integer("metrics.max_label_values", 1, 100_000),
            v.string("metrics.bridge.namespace"),
            v.duration("metrics.bridge.series_ttl", Duration.ofSeconds(1), Duration.ofDays(7)),
            v.integer("metrics.bridge.max_series", 1, 10_000_000),
            v.integer("metrics.bridge.max_label_value_bytes", 16, 65_536),
            v.integer("metrics.bridge.max_points_per_request", 1, 10_000_000),
            v.integer("metrics.bridge.max_attributes_per_request", 1, 10_000_000),
            v.integer("metrics.bridge.max_messages_per_request", 1, 100_000_000));
    return new CollectorConfig(
        otlp,
        admin,
        sessions,
        guards,
        semconv,
        metrics,
        pricing,
        forward(v),
        grace,
        security(v),
        guardWebhook(v));
  }

  private static CollectorConfig.Guards guards(ConfigValues v) throws ConfigException {
    String tokens = v.string("guards.session_tokens");
    long sessionTokens;
    try {
      sessionTokens = Long.parseLong(tokens);
    } catch (NumberFormatException e) {
      sessionTokens = -1;
    }
    if (sessionTokens < 0 || sessionTokens > 1_000_000_000_000L) {
      throw new ConfigException(
          "guards.session_tokens: '"
              + tokens
              + "' is not an integer from 0 (off) to 1000000000000");
    }
    String cost = v.string("guards.session_cost_usd");
    double usd;
    try {
      usd = new java.math.BigDecimal(cost).doubleValue();
    } catch (NumberFormatException e) {
      usd = -1;
    }
    if (!(usd >= 0 && usd <= 1_000_000)) {
      throw new ConfigException(
          "guards.session_cost_usd: '"
              + cost
              + "' is not a decimal number of dollars from 0 (off) to 1000000");
    }
    String d = v.string("guards.session_duration");
    Duration duration =
        d.equals("0")
            ? Duration.ZERO
            : v.duration("guards.session_duration", Duration.ZERO, Duration.ofDays(30));
    return new CollectorConfig.Guards(
        v.integer("guards.tool_repeat", 0, 1_000_000),
        v.integer("guards.turn_llm_calls", 0, 1_000_000),
        v.integer("guards.session_llm_calls", 0, 1_000_000_000),
        sessionTokens,
        usd,
        duration,
        v.integer("guards.max_running_turns", 1, 64),
        v.integer("guards.max_tool_calls_per_turn", 16, 1_000_000));
  }

  private static CollectorConfig.GuardWebhook guardWebhook(ConfigValues v) throws ConfigException {
    String url = v.string("guards.webhook_url");
    java.net.URI uri = null;
    if (!url.isEmpty()) {
      try {
        uri = new java.net.URI(url);
      } catch (java.net.URISyntaxException e) {
        uri = null;
      }
      if (uri == null
          || uri.getHost() == null
          || uri.getFragment() != null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        // Not echoed: a webhook URL often carries its credential in the path or query.
        throw new ConfigException(
            "guards.webhook_url: not an http:// or https:// URL with a host and no fragment"
                + " (value not shown; e.g. https://controller.internal/hermes/trips)");
      }
    }
    return new CollectorConfig.GuardWebhook(
        uri,
        readableFile(v, "guards.webhook_secret_file"),
        v.duration("guards.webhook_timeout", Duration.ofMillis(100), Duration.ofMinutes(1)),
        v.integer("guards.webhook_retries", 0, 20),
        v.integer("guards.webhook_queue", 1, 1_000_000));
  }

  private static CollectorConfig.Security security(ConfigValues v) throws ConfigException {
    List<String> origins = redactedKeys(v.string("otlp.http.cors.allowed_origins"));
    for (String o : origins) {
      if (!o.equals("*") && !o.matches("https?://[^/?#\\s]+")) {
        throw new ConfigException(
            "otlp.http.cors.allowed_origins: '"
                + o
                + "' is not an origin (scheme://host[:port], with * as a wildcard, e.g."
                + " https://*.example.com)");
      }
    }
    return new CollectorConfig.Security(
        serverTls(v, "otlp.tls"),
        readableFile(v, "otlp.auth.bearer_token_file"),
        origins,
        serverTls(v, "admin.tls"),
        readableFile(v, "admin.api_token_file"),
        redactedKeys(v.string("admin.allowed_hosts")));
  }

  private static CollectorConfig.Tls serverTls(ConfigValues v, String prefix)
      throws ConfigException {
    Path cert = readableFile(v, prefix + ".cert_file");
    Path key = readableFile(v, prefix + ".key_file");
    Path ca = readableFile(v, prefix + ".client_ca_file");
    if ((cert == null) != (key == null)) {
      throw new ConfigException(
          prefix + ".cert_file and " + prefix + ".key_file: set both (TLS on) or neither");
    }
    if (cert == null && ca != null) {
      throw new ConfigException(
          prefix
              + ".client_ca_file: mutual TLS needs TLS: set "
              + prefix
              + ".cert_file and "
              + prefix
              + ".key_file too");
    }
    return cert == null ? null : new CollectorConfig.Tls(cert, key, ca);
  }

  private static Path readableFile(ConfigValues v, String key) throws ConfigException {
    String file = v.string(key);
    if (file.isEmpty()) {
      return null;
    }
    Path p = Path.of(file);
    if (!Files.isReadable(p) || Files.isDirectory(p)) {
      throw new ConfigException(key + ": '" + file + "' is not a readable file");
    }
    return p;
  }
}
