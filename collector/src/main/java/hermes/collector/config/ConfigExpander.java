package hermes.collector.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Expands the OpenTelemetry Collector's config references in values: {@code ${env:NAME}} becomes
 * the environment variable, {@code ${file:PATH}} the file's content (one trailing newline removed,
 * as secret files usually end with one), and {@code $${} stays a literal {@code ${}. A reference
 * may be a whole value or part of one ({@code Bearer ${env:TOKEN}}). Expanded values are not
 * expanded again, so a secret containing {@code ${} is taken as it is.
 *
 * <p>Errors name the key and the reference, never the value. Threading: stateless.
 */
final class ConfigExpander {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private ConfigExpander() {}

  /** Every value of {@code values} expanded, in the same order. */
  static Map<String, String> expand(Map<String, String> values, Map<String, String> env)
      throws ConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      out.put(e.getKey(), expand(e.getKey(), e.getValue(), env));
    }
    return out;
  }

  /** {@code value} of {@code key} expanded. */
  static String expand(String key, String value, Map<String, String> env) throws ConfigException {
    if (value == null || value.indexOf('$') < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length());
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == '$' && value.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (c == '$' && value.startsWith("${", i)) {
        int end = value.indexOf('}', i + 2);
        if (end < 0) {
          throw new ConfigException(key + ": unterminated '${' (write $${ for a literal ${)");
        }
        out.append(resolve(key, value.substring(i + 2, end), env));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String resolve(String key, String ref, Map<String, String> env)
      throws ConfigException {
    if (ref.startsWith("env:")) {
      String name = ref.substring(4);
      if (!ENV_NAME.matcher(name).matches()) {
        throw new ConfigException(
            key + ": '${" + ref + "}' is not a valid environment variable name");
      }
      String v = env.get(name);
      if (v == null) {
        throw new ConfigException(
            key + ": environment variable " + name + " (from ${env:" + name + "}) is not set");
      }
      return v;
    }
    if (ref.startsWith("file:")) {
      String path = ref.substring(5);
      if (path.isEmpty()) {
        throw new ConfigException(key + ": '${file:}' names no file");
      }
      try {
        String s = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        if (s.endsWith("\r\n")) {
          return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            key + ": cannot read file '" + path + "' (from ${file:" + path + "}): " + e);
      }
    }
    throw new ConfigException(
        key
            + ": '${"
            + ref
            + "}' is not a reference this collector knows: use ${env:NAME} or ${file:PATH}"
            + " (write $${ for a literal ${)");
  }
}
