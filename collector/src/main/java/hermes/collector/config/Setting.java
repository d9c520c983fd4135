package hermes.collector.config;

import java.util.Locale;

/**
 * One effective configuration value and where it came from, for {@code print-config} and the
 * start-up line of non-default settings. Immutable.
 *
 * @param value the value as written (lists joined with commas)
 * @param source which layer set it
 */
public record Setting(String value, Setting.Source source) {
  /** The layers of the configuration, in increasing precedence. */
  public enum Source {
    DEFAULT,
    FILE,
    ENV,
    FLAG;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Shown instead of a secret's value. */
  public static final String REDACTED = "<redacted>";

  /**
   * Whether {@code key}'s value is a secret never to be printed: the admin token, the forward
   * headers (they carry API keys), the guard webhook's URL (webhook URLs often carry their token in
   * the path), and any key ending in token, password or secret.
   */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.equals("admin.api_token")
        || k.equals("forward.headers")
        || k.equals("guards.webhook_url")
        || k.endsWith("token")
        || k.endsWith("password")
        || k.endsWith("secret");
  }

  /**
   * The value as it may be shown: secrets redacted (forward headers keep their names, since a typo
   * in a header name is what an operator looks for), empty values as {@code ""}.
   */
  public String shown(String key) {
    if (value.isEmpty()) {
      return "\"\"";
    }
    if (!isSecret(key)) {
      return value;
    }
    if (key.equals("forward.headers")) {
      StringBuilder sb = new StringBuilder();
      for (String h : value.split(",")) {
        if (h.isBlank()) {
          continue;
        }
        int eq = h.indexOf('=');
        sb.append(sb.length() == 0 ? "" : ",")
            .append(eq < 0 ? h.trim() : h.substring(0, eq).trim())
            .append('=')
            .append(REDACTED);
      }
      return sb.toString();
    }
    return REDACTED;
  }
}
