package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        .contains("USER 10001:10001")
        .contains("EXPOSE 4317 4318 8889")
        .contains("COPY config/container.yaml /etc/hermes-collector/collector.yaml")
        .contains("-XX:+ExitOnOutOfMemoryError");
    // The health check must not start a JVM: busybox wget from its own stage.
    String healthcheck = dockerfile.substring(dockerfile.indexOf("HEALTHCHECK"));
    healthcheck = healthcheck.substring(0, healthcheck.indexOf("\nENTRYPOINT"));
    assertThat(healthcheck)
        .contains("busybox\", \"wget\"")
        .contains("/healthz")
        .doesNotContain("java");
    assertThat(dockerfile)
        .contains("COPY --from=busybox /bin/busybox /opt/hermes-collector/busybox");
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

  /**
   * The image's environment: every ENV instruction of the final stage of docker/Dockerfile
   * (KEY=VALUE pairs, quotes removed, line continuations joined).
   */
  static Map<String, String> imageEnvironment() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile")).replace("\\\n", " ");
    String finalStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
    Map<String, String> env = new LinkedHashMap<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher("");
    for (String line : finalStage.split("\n")) {
      if (line.startsWith("ENV ")) {
        m.reset(line.substring(4));
        while (m.find()) {
          env.put(m.group(1), m.group(2).replace("\"", ""));
        }
      }
    }
    return env;
  }

  /** The ConfigMap's embedded collector.yaml, written to a file. */
  @SuppressWarnings("unchecked")
  static Path configMapConfig() throws Exception {
    Map<String, Object> cm =
        (Map<String, Object>)
            new Yaml(new SafeConstructor(new LoaderOptions()))
                .loadAll(
                    Files.readString(ROOT.resolve("docker/k8s/hermes-agent-with-collector.yaml")))
                .iterator()
                .next();
    Path tmp = Files.createTempFile("configmap", ".yaml");
    Files.writeString(tmp, (String) ((Map<String, Object>) cm.get("data")).get("collector.yaml"));
    return tmp;
  }

  @Test
  void theImageEnvironmentNeverOverridesAShippedConfig() throws Exception {
    Map<String, String> env = imageEnvironment();
    assertThat(env).containsKey("JAVA_TOOL_OPTIONS");
    // Loopback where the collector shares the agent's network namespace; all interfaces where it
    // is reached across a container network.
    Map<String, String> receiversHost =
        Map.of(
            "config/collector.yaml", "127.0.0.1",
            "config/sidecar.yaml", "127.0.0.1",
            "docker/k8s ConfigMap", "127.0.0.1",
            "config/container.yaml", "0.0.0.0",
            "config/compose.yaml", "0.0.0.0");
    try (var files = Files.list(ROOT.resolve("config"))) {
      assertThat(files.map(f -> "config/" + f.getFileName()).filter(f -> !f.contains("pricing")))
          .as("every shipped config is checked here")
          .allMatch(receiversHost::containsKey);
    }
    for (Map.Entry<String, String> e : receiversHost.entrySet()) {
      Path file = e.getKey().startsWith("config/") ? ROOT.resolve(e.getKey()) : configMapConfig();
      CollectorConfig c = ConfigLoader.load(file, env, Map.of());
      assertThat(c.otlp().httpEndpoint().toString())
          .as(e.getKey())
          .isEqualTo(e.getValue() + ":4318");
      assertThat(c.otlp().grpcEndpoint().toString())
          .as(e.getKey())
          .isEqualTo(e.getValue() + ":4317");
      assertThat(c.admin().endpoint().toString()).as(e.getKey()).isEqualTo("0.0.0.0:8889");
    }
  }

  @Test
  void theConfigMapCarriesConfigSidecarYaml() throws Exception {
    assertThat(ConfigLoader.effectiveChecked(configMapConfig(), Map.of(), Map.of()).toString())
        .isEqualTo(
            ConfigLoader.effectiveChecked(ROOT.resolve("config/sidecar.yaml"), Map.of(), Map.of())
                .toString());
  }

  /** docker-compose on PATH, or a failure in CI and a skip on a developer machine without it. */
  static Path dockerCompose() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "docker-compose");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    if (System.getenv("CI") != null) {
      throw new AssertionError("docker-compose not on PATH: .ci/run installs Debian's");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(
        false, "docker-compose not installed (apt-get install docker-compose)");
    return null;
  }

  private static Map.Entry<Integer, String> composeConfig(String... envFile) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(dockerCompose().toString()));
    cmd.addAll(List.of(envFile));
    cmd.addAll(List.of("-f", "docker/docker-compose.yaml", "config"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().remove("GRAFANA_ADMIN_PASSWORD");
    pb.environment().remove("HERMES_COLLECTOR_ADMIN_API_TOKEN");
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return Map.entry(p.exitValue(), out);
  }

  @Test
  void dockerComposeAcceptsTheStackWithTheDocumentedEnvFile() throws Exception {
    Map.Entry<Integer, String> r = composeConfig("--env-file", "docker/hermes.env.example");
    assertThat(r.getKey()).as(r.getValue()).isZero();
    assertThat(r.getValue())
        .contains("--enable-feature=exemplar-storage")
        .contains("HERMES_COLLECTOR_ADMIN_API_TOKEN: change-me-too")
        .contains("/etc/alertmanager/secrets");
    // Without the env file the error names what to set.
    Map.Entry<Integer, String> missing = composeConfig();
    assertThat(missing.getKey()).isNotZero();
    assertThat(missing.getValue())
        .contains("set HERMES_COLLECTOR_ADMIN_API_TOKEN in docker/hermes.env");
  }

  @Test
  void theAlertmanagerSecretFilesAreMounted() throws Exception {
    String am = Files.readString(ROOT.resolve("dashboards/alertmanager.yml"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("_file: (/etc/alertmanager/secrets/\\S+)").matcher(am);
    int files = 0;
    while (m.find()) {
      files++;
      assertThat(
              ROOT.resolve("docker/alertmanager/secrets")
                  .resolve(Path.of(m.group(1)).getFileName()))
          .as(m.group(1))
          .isRegularFile();
    }
    assertThat(files).isPositive();
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaLinksExemplarsToTheProvisionedJaegerDatasource() throws Exception {
    Map<String, Object> doc =
        (Map<String, Object>)
            yaml(ROOT.resolve("docker/grafana/provisioning/datasources/prometheus.yml"));
    Map<String, Map<String, Object>> byType = new LinkedHashMap<>();
    for (Map<String, Object> ds : (List<Map<String, Object>>) doc.get("datasources")) {
      byType.put((String) ds.get("type"), ds);
    }
    Map<String, Object> jsonData = (Map<String, Object>) byType.get("prometheus").get("jsonData");
    List<Map<String, Object>> destinations =
        (List<Map<String, Object>>) jsonData.get("exemplarTraceIdDestinations");
    assertThat(destinations)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.get("name")).isEqualTo("trace_id"); // the collector's exemplar label
              assertThat(d.get("datasourceUid")).isEqualTo(byType.get("jaeger").get("uid"));
            });
    assertThat(Files.readString(ROOT.resolve("docker/docker-compose.yaml")))
        .contains("--enable-feature=exemplar-storage");
  }

  @Test
  void everyDockerfileStageCopiedFromIsDefined() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
    java.util.Set<String> stages = new java.util.HashSet<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^FROM \\S+ AS (\\S+)$").matcher(dockerfile);
    while (m.find()) {
      stages.add(m.group(1));
    }
    m = java.util.regex.Pattern.compile("--from=(\\S+)").matcher(dockerfile);
    int copies = 0;
    while (m.find()) {
      assertThat(stages).contains(m.group(1));
      copies++;
    }
    assertThat(copies).isEqualTo(2);
    // Every instruction is one Docker knows (a typo would fail the build).
    for (String line : dockerfile.replace("\\\n", " ").split("\n")) {
      if (!line.isBlank() && !line.startsWith("#") && !line.startsWith(" ")) {
        assertThat(line.split(" ")[0])
            .as(line)
            .isIn(
                "FROM",
                "RUN",
                "COPY",
                "USER",
                "ENV",
                "EXPOSE",
                "HEALTHCHECK",
                "ENTRYPOINT",
                "WORKDIR",
                "CMD",
                "ARG",
                "LABEL");
      }
    }
  }

  @Test
  void theRunScriptEndsOnOutOfMemoryAndBothScriptsShowBuildProgress() throws Exception {
    String collector = Files.readString(ROOT.resolve("bin/hermes-collector"));
    assertThat(collector)
        .contains(
            "exec java -XX:+ExitOnOutOfMemoryError -XX:MaxGCPauseMillis=10 ${JAVA_OPTS:-} -jar");
    for (String script : List.of("bin/hermes-collector", "bin/hermes-loadgen")) {
      String text = Files.readString(ROOT.resolve(script));
      // Not "mvnw -q": each module and step is shown while a first build takes its minute.
      assertThat(text).as(script).doesNotContain("mvnw\" -q").contains("\"[INFO] Building \"*");
    }
  }
}
