package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shipped Prometheus rules: valid, and every alert's promtool unit test passes. */
class RulesIT {
  static final Path DASHBOARDS = Path.of("..", "dashboards").toAbsolutePath().normalize();

  static String run(List<String> cmd) throws Exception {
    Process p =
        new ProcessBuilder(cmd).directory(DASHBOARDS.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s said:\n%s", cmd, out).isZero();
    return out;
  }

  @Test
  void rulesAreValid() throws Exception {
    Path promtool = PromtoolIT.requirePromtool();
    String out =
        run(
            new ArrayList<>(
                List.of(
                    promtool.toString(),
                    "check",
                    "rules",
                    "hermes_recording_rules.yml",
                    "hermes_alerts.yml")));
    assertThat(out).contains("SUCCESS: 5 rules found").contains("SUCCESS: 20 rules found");
  }

  @Test
  void everyAlertHasAPassingUnitTest() throws Exception {
    Path promtool = PromtoolIT.requirePromtool();
    String out = run(List.of(promtool.toString(), "test", "rules", "tests/hermes_alerts_test.yml"));
    assertThat(out).contains("SUCCESS");
    // Every alert defined is exercised by name in the test file.
    String alerts = java.nio.file.Files.readString(DASHBOARDS.resolve("hermes_alerts.yml"));
    String tests =
        java.nio.file.Files.readString(DASHBOARDS.resolve("tests/hermes_alerts_test.yml"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("- alert: (\\w+)").matcher(alerts);
    int n = 0;
    while (m.find()) {
      n++;
      assertThat(tests)
          .as("a promtool test for %s", m.group(1))
          .contains("alertname: " + m.group(1) + "\n");
    }
    assertThat(n).isEqualTo(20);
  }
}
