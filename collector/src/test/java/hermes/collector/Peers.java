package hermes.collector;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the real peers that {@code .ci/run} installs live: the reference plugin's virtualenv and
 * the Jaeger binary, both under {@code ~/.cache/hermes-ci} unless {@code HERMES_CI_CACHE} says
 * otherwise. A test that needs a missing peer fails when {@code CI} is set (CI installed them, so
 * missing is a defect) and is skipped otherwise (a developer who has not run {@code .ci/run}).
 */
final class Peers {
  /** The Jaeger version {@code .ci/run} builds; the README and the compose stack name it. */
  static final String JAEGER_VERSION = "1.76.0";

  private Peers() {}

  static Path cache() {
    String dir = System.getenv("HERMES_CI_CACHE");
    return dir != null && !dir.isEmpty()
        ? Path.of(dir)
        : Path.of(System.getProperty("user.home"), ".cache", "hermes-ci");
  }

  /** The python of the plugin virtualenv ({@code collector/src/test/python/requirements.txt}). */
  static Path pluginPython() {
    return require(cache().resolve("plugin-venv/bin/python"), "the plugin virtualenv");
  }

  /** The python of the hermes-agent virtualenv ({@code src/test/python/agent-requirements.txt}). */
  static Path agentPython() {
    return require(cache().resolve("agent-venv/bin/python"), "the hermes-agent virtualenv");
  }

  /** The Jaeger v2 binary. */
  static Path jaeger() {
    return require(cache().resolve("bin/jaeger-" + JAEGER_VERSION), "Jaeger " + JAEGER_VERSION);
  }

  private static Path require(Path p, String what) {
    if (Files.isExecutable(p)) {
      return p;
    }
    String why = what + " is not installed at " + p + " (run .ci/run)";
    if (System.getenv("CI") != null) {
      fail(why);
    }
    Assumptions.abort(why);
    return p;
  }
}
