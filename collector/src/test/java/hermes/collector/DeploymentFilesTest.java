package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files are written to standard but cannot run here (no Docker engine), so their
 * structure is checked: they parse, the files they reference exist, the example configs load, and
 * the k8s manifest wires the sidecar as the agent expects.
 */
class DeploymentFilesTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static Object yaml(Path p) throws Exception {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(p));
  }

  @Test
  void exampleConfigsLoad() throws Exception {
    for (String f : List.of("compose.yaml", "sidecar.yaml", "collector.yaml")) {
      CollectorConfig c = ConfigLoader.load(ROOT.resolve("config").resolve(f), Map.of(), Map.of());
      assertThat(c.admin().endpoint().port()).as(f).isEqualTo(8889);
    }
    assertThat(
            ConfigLoader.load(ROOT.resolve("config/compose.yaml"), Map.of(), Map.of())
                .otlp()
                .httpEndpoint()
                .host())
        .isEqualTo("0.0.0.0");
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeParsesAndEveryMountedFileExists() throws Exception {
    Path compose = ROOT.resolve("docker/docker-compose.yaml");
    Map<String, Object> doc = (Map<String, Object>) yaml(compose);
    Map<String, Object> services = (Map<String, Object>) doc.get("services");
    assertThat(services)
        .containsKeys("hermes-collector", "jaeger", "prometheus", "grafana", "alertmanager");
    for (Map.Entry<String, Object> s : services.entrySet()) {
      Map<String, Object> svc = (Map<String, Object>) s.getValue();
      for (Object v : (List<Object>) svc.getOrDefault("volumes", List.of())) {
        String host = v.toString().split(":")[0];
        assertThat(compose.getParent().resolve(host).normalize())
            .as("%s mounts %s", s.getKey(), host)
            .exists();
      }
    }
    Map<String, Object> grafana = (Map<String, Object>) services.get("grafana");
    assertThat(grafana.get("environment").toString()).contains("${GRAFANA_ADMIN_PASSWORD");
    assertThat(
            ((List<Object>) ((Map<String, Object>) services.get("jaeger")).get("ports")).toString())
        .contains("16686");
    assertThat(
            ((List<Object>) ((Map<String, Object>) services.get("prometheus")).get("ports"))
                .toString())
        .contains("9090");
    assertThat(((List<Object>) grafana.get("ports")).toString()).contains("3000");
  }

  @Test
  void dockerfileCopiesWhatExists() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
    for (String line : dockerfile.split("\n")) {
      if (line.startsWith("COPY ") && !line.contains("--from=")) {
        String[] parts = line.split("\\s+");
        for (int i = 1; i < parts.length - 1; i++) {
          assertThat(ROOT.resolve(parts[i])).as(line).exists();
        }
      }
    }
    assertThat(dockerfile)
        .contains("USER hermes")
        .contains("EXPOSE 4317 4318 8889")
        .contains("HEALTHCHECK");
    assertThat(dockerfile).contains("hermes.collector.HealthCheck");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theK8sSidecarIsWiredAsTheAgentExpects() throws Exception {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object d :
        new Yaml(new SafeConstructor(new LoaderOptions()))
            .loadAll(
                Files.readString(ROOT.resolve("docker/k8s/hermes-agent-with-collector.yaml")))) {
      docs.add((Map<String, Object>) d);
    }
    assertThat(docs)
        .extracting(d -> d.get("kind"))
        .containsExactly("ConfigMap", "Deployment", "PodMonitor");
    String configText =
        (String) ((Map<String, Object>) docs.get(0).get("data")).get("collector.yaml");
    Path tmp = Files.createTempFile("sidecar", ".yaml");
    Files.writeString(tmp, configText);
    assertThat(ConfigLoader.load(tmp, Map.of(), Map.of()).otlp().httpEndpoint().port())
        .isEqualTo(4318);
    String deployment = docs.get(1).toString();
    assertThat(deployment)
        .contains("OTEL_EXPORTER_OTLP_ENDPOINT, value=http://localhost:4318")
        .contains("livenessProbe")
        .contains("readinessProbe")
        .contains("path=/readyz")
        .contains("limits");
  }

  @Test
  void prometheusConfigLoadsTheShippedRules() throws Exception {
    String prom = Files.readString(ROOT.resolve("docker/prometheus/prometheus.yml"));
    assertThat(prom)
        .contains("hermes_recording_rules.yml")
        .contains("hermes_alerts.yml")
        .contains("job_name: hermes-agent");
    yaml(ROOT.resolve("docker/prometheus/prometheus.yml"));
    yaml(ROOT.resolve("docker/grafana/provisioning/datasources/prometheus.yml"));
    yaml(ROOT.resolve("docker/grafana/provisioning/dashboards/hermes.yml"));
    yaml(ROOT.resolve("dashboards/alertmanager.yml"));
  }
}
