package hermes.collector.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads of flat config values; every failure names the key, the value and the rule. */
final class ConfigValues {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(|b|kib|mib|gib|kb|mb|gb|k|m|g)", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION =
      Pattern.compile("(\\d+)\\s*(ms|s|m|h)", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> values;

  ConfigValues(Map<String, String> values) {
    this.values = values;
  }

  String string(String key) {
    return values.get(key).trim();
  }

  Endpoint endpoint(String key) throws ConfigException {
    return Endpoint.parse(key, string(key));
  }

  int integer(String key, int min, int max) throws ConfigException {
    String v = string(key);
    try {
      int i = Integer.parseInt(v);
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(key + ": '" + v + "' is not an integer from " + min + " to " + max);
  }

  long bytes(String key, long min, long max) throws ConfigException {
    String v = string(key);
    Matcher m = SIZE.matcher(v);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        long unit =
            switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "kib", "k" -> 1L << 10;
              case "mib", "m" -> 1L << 20;
              case "gib", "g" -> 1L << 30;
              case "kb" -> 1_000L;
              case "mb" -> 1_000_000L;
              case "gb" -> 1_000_000_000L;
              default -> 1L;
            };
        long bytes = Math.multiplyExact(n, unit);
        if (bytes >= min && bytes <= max) {
          return bytes;
        }
      } catch (NumberFormatException | ArithmeticException e) {
        // reported below
      }
    }
    throw new ConfigException(
        key
            + ": '"
            + v
            + "' is not a size from "
            + min
            + " to "
            + max
            + " bytes (a byte count or a number with KiB, MiB, GiB, KB, MB, GB)");
  }

  Duration duration(String key, Duration min, Duration max) throws ConfigException {
    String v = string(key);
    Matcher m = DURATION.matcher(v);
    if (m.matches() && m.group(1).length() < 12) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
      if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
        return d;
      }
    }
    throw new ConfigException(
        key
            + ": '"
            + v
            + "' is not a duration from "
            + min.toMillis()
            + "ms to "
            + max.toSeconds()
            + "s (a number with ms, s, m or h, e.g. 10s)");
  }
}
