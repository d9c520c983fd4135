package hermes.collector.metrics;

import java.util.Map;

/**
 * OTLP metric and attribute names to Prometheus names, per the OpenTelemetry "Prometheus and
 * OpenMetrics compatibility" rules: invalid characters become {@code _} (runs collapsed), the unit
 * becomes a suffix ({@code s} -> {@code _seconds}, {@code By/s} -> {@code _bytes_per_second},
 * annotations like {@code {token}} dropped), monotonic sums end in {@code _total}, and a namespace
 * prefixes everything.
 *
 * <p>Threading: stateless.
 */
final class PrometheusNames {
  private static final Map<String, String> UNITS =
      Map.ofEntries(
          Map.entry("d", "days"),
          Map.entry("h", "hours"),
          Map.entry("min", "minutes"),
          Map.entry("s", "seconds"),
          Map.entry("ms", "milliseconds"),
          Map.entry("us", "microseconds"),
          Map.entry("ns", "nanoseconds"),
          Map.entry("By", "bytes"),
          Map.entry("KiBy", "kibibytes"),
          Map.entry("MiBy", "mebibytes"),
          Map.entry("GiBy", "gibibytes"),
          Map.entry("TiBy", "tibibytes"),
          Map.entry("KBy", "kilobytes"),
          Map.entry("MBy", "megabytes"),
          Map.entry("GBy", "gigabytes"),
          Map.entry("TBy", "terabytes"),
          Map.entry("m", "meters"),
          Map.entry("V", "volts"),
          Map.entry("A", "amperes"),
          Map.entry("J", "joules"),
          Map.entry("W", "watts"),
          Map.entry("g", "grams"),
          Map.entry("Cel", "celsius"),
          Map.entry("Hz", "hertz"),
          Map.entry("%", "percent"));
  private static final Map<String, String> PER_UNITS =
      Map.of(
          "s", "second", "m", "minute", "h", "hour", "d", "day", "w", "week", "mo", "month", "y",
          "year");

  private PrometheusNames() {}

  /**
   * The Prometheus metric name.
   *
   * @param namespace prefix (empty for none)
   * @param name the OTLP metric name
   * @param unit the OTLP unit (UCUM)
   * @param counter whether it is a monotonic sum (gets {@code _total})
   * @param gauge whether it is a gauge (unit {@code 1} becomes {@code _ratio})
   */
  static String metric(String namespace, String name, String unit, boolean counter, boolean gauge) {
    String n = sanitize(namespace.isEmpty() ? name : namespace + "_" + name, true);
    String suffix = unitSuffix(unit, gauge);
    if (counter && n.endsWith("_total")) {
      n = n.substring(0, n.length() - "_total".length());
    }
    if (!suffix.isEmpty() && !n.endsWith("_" + suffix)) {
      n = n + "_" + suffix;
    }
    if (counter) {
      n = n + "_total";
    }
    return n;
  }

  /** The unit as a name suffix, or empty. */
  static String unitSuffix(String unit, boolean gauge) {
    if (unit == null) {
      return "";
    }
    String u = unit.replaceAll("\\{[^}]*\\}", "").trim(); // annotations carry no unit
    if (u.isEmpty()) {
      return "";
    }
    if (u.equals("1")) {
      return gauge ? "ratio" : "";
    }
    int slash = u.indexOf('/');
    if (slash > 0) {
      String num = UNITS.getOrDefault(u.substring(0, slash), u.substring(0, slash));
      String den = PER_UNITS.getOrDefault(u.substring(slash + 1), u.substring(slash + 1));
      return sanitize(num + "_per_" + den, false);
    }
    return sanitize(UNITS.getOrDefault(u, u), false);
  }

  /** A valid metric name ({@code metric}) or label name: invalid characters to {@code _}. */
  static String sanitize(String s, boolean metric) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean underscore = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9' && sb.length() > 0)
              || c == '_'
              || (metric && c == ':');
      char out = ok ? c : '_';
      if (out == '_') {
        if (underscore) {
          continue;
        }
        underscore = true;
      } else {
        underscore = false;
      }
      if (sb.length() == 0 && c >= '0' && c <= '9') {
        sb.append('_');
        out = c;
      }
      sb.append(out);
    }
    return sb.length() == 0 ? "_" : sb.toString();
  }
}
