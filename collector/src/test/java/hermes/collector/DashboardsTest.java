package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboards import anywhere: valid JSON, the datasource is a variable (any
 * Prometheus, chosen at import or by provisioning), every panel uses it and queries something, and
 * every metric a query names is one the collector serves (or a recording rule).
 */
class DashboardsTest {
  static final Path DASHBOARDS = Path.of("..", "dashboards").toAbsolutePath().normalize();
  static final List<String> FILES =
      List.of(
          "hermes-agent-overview.json", "hermes-agent-observability.json", "hermes-collector.json");

  /** Every PromQL expression of every panel, as written (with Grafana's variables). */
  static List<String> rawExpressions() throws Exception {
    List<String> out = new ArrayList<>();
    for (String f : FILES) {
      for (JsonNode panel :
          new ObjectMapper().readTree(DASHBOARDS.resolve(f).toFile()).get("panels")) {
        for (JsonNode t : panel.path("targets")) {
          out.add(t.get("expr").asText());
        }
      }
    }
    return out;
  }

  /**
   * Every PromQL expression of every panel as Grafana sends it with "All" jobs and instances
   * selected and {@code rateInterval} for {@code $__rate_interval}, for the end-to-end tests.
   */
  static List<String> expressions(String rateInterval) throws Exception {
    List<String> out = new ArrayList<>();
    for (String e : rawExpressions()) {
      out.add(
          e.replace("$__rate_interval", rateInterval)
              .replace("$job", ".*")
              .replace("$instance", ".*"));
    }
    return out;
  }

  /** Rows and text panels carry no query. */
  private static boolean queries(JsonNode panel) {
    String type = panel.path("type").asText();
    return !type.equals("row") && !type.equals("text");
  }

  @Test
  void everyDashboardFiltersByJobAndInstanceAndRatesUseTheRateInterval() throws Exception {
    for (String f : FILES) {
      JsonNode d = new ObjectMapper().readTree(DASHBOARDS.resolve(f).toFile());
      List<String> variables = new ArrayList<>();
      d.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
      assertThat(variables).as(f).contains("datasource", "job", "instance");
      // The Jaeger link from a variable, not a host written into the dashboard.
      assertThat(d.path("links").toString()).as(f).doesNotContain("localhost:16686");
      assertThat(d.path("panels").toString()).as(f).doesNotContain("localhost:16686");
    }
    java.util.regex.Pattern selector =
        java.util.regex.Pattern.compile("\\b(?:hermes|gen_ai|jvm)_[a-z0-9_]*(\\{[^}]*\\})?");
    for (String e : rawExpressions()) {
      assertThat(e).doesNotContain("[5m]").doesNotContain("[1m]");
      if (e.contains("rate(") && !e.contains("[1h]") && !e.contains("[1d]")) {
        assertThat(e).contains("[$__rate_interval]");
      }
      // A counter that has not moved, or a family with no series yet, still shows 0.
      assertThat(e).endsWith(" or vector(0)");
      java.util.regex.Matcher m = selector.matcher(e.replaceAll("by \\([^)]*\\)", ""));
      while (m.find()) {
        assertThat(m.group()).as(e).contains("job=~\"$job\",instance=~\"$instance\"");
      }
    }
  }

  @Test
  void durationAndTokenPanelsShowExemplars() throws Exception {
    int withExemplars = 0;
    for (String f : FILES) {
      for (JsonNode panel :
          new ObjectMapper().readTree(DASHBOARDS.resolve(f).toFile()).get("panels")) {
        for (JsonNode t : panel.path("targets")) {
          String e = t.get("expr").asText();
          if (panel.get("type").asText().equals("timeseries")
              && e.matches(
                  ".*(hermes_(request|step|tool)_duration_seconds_bucket|hermes_tokens_total).*")) {
            assertThat(t.path("exemplar").asBoolean()).as(e).isTrue();
            withExemplars++;
          }
        }
      }
    }
    assertThat(withExemplars).isGreaterThan(5);
  }

  @Test
  void everyPanelUsesTheDatasourceVariableAndQueriesSomething() throws Exception {
    Set<String> uids = new HashSet<>();
    for (String f : FILES) {
      JsonNode d = new ObjectMapper().readTree(DASHBOARDS.resolve(f).toFile());
      assertThat(uids.add(d.get("uid").asText())).as("unique uid in %s", f).isTrue();
      JsonNode variable = d.get("templating").get("list").get(0);
      assertThat(variable.get("name").asText()).isEqualTo("datasource");
      assertThat(variable.get("type").asText()).isEqualTo("datasource");
      assertThat(variable.get("query").asText()).isEqualTo("prometheus");
      assertThat(d.get("panels")).as("%s has panels", f).isNotEmpty();
      Set<Integer> ids = new HashSet<>();
      for (JsonNode p : d.get("panels")) {
        if (!queries(p)) {
          continue;
        }
        String where = f + " panel '" + p.get("title").asText() + "'";
        assertThat(ids.add(p.get("id").asInt())).as("%s id unique", where).isTrue();
        assertThat(p.get("datasource").get("uid").asText()).as(where).isEqualTo("${datasource}");
        assertThat(p.get("targets")).as("%s has targets", where).isNotEmpty();
        for (JsonNode t : p.get("targets")) {
          assertThat(t.get("expr").asText()).as(where).isNotBlank();
          assertThat(t.get("datasource").get("uid").asText()).as(where).isEqualTo("${datasource}");
        }
      }
    }
  }

  @Test
  void queriesUseOnlyServedMetricsOrRecordingRules() throws Exception {
    String readme = Files.readString(DASHBOARDS.resolve("../README.md"));
    String rules = Files.readString(DASHBOARDS.resolve("hermes_recording_rules.yml"));
    java.util.regex.Pattern name =
        java.util.regex.Pattern.compile("\\b((?:hermes|gen_ai|jvm)[a-z_:]*)");
    for (String expr : rawExpressions()) {
      java.util.regex.Matcher m = name.matcher(expr);
      while (m.find()) {
        String metric = m.group(1).replaceAll("_(bucket|sum|count)$", "");
        boolean known =
            readme.contains(metric)
                || rules.contains("record: " + m.group(1))
                || metric.startsWith("jvm_");
        assertThat(known).as("%s (in %s) is documented or recorded", metric, expr).isTrue();
      }
    }
  }
}
