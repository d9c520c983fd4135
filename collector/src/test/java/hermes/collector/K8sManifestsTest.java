package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.config.ConfigLoader;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker/k8s/ as a cluster would meet it: the objects match the Kubernetes and Prometheus Operator
 * schemas (the kubernetes-models npm packages, installed by {@code .ci/run} into
 * docker/k8s/schema-check), and the pod admits under Pod Security Standard "restricted".
 */
class K8sManifestsTest {
  static final Path MANIFEST =
      DeploymentFilesTest.ROOT.resolve("docker/k8s/hermes-agent-with-collector.yaml");
  static final Path SCHEMA_CHECK = DeploymentFilesTest.ROOT.resolve("docker/k8s/schema-check");

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> documents() throws Exception {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object d :
        new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(MANIFEST))) {
      docs.add((Map<String, Object>) d);
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o, String... path) {
    Object cur = o;
    for (String p : path) {
      cur = cur == null ? null : ((Map<String, Object>) cur).get(p);
    }
    return (Map<String, Object>) cur;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> m, String key) {
    return (List<Map<String, Object>>) m.getOrDefault(key, List.of());
  }

  static Map<String, Object> podSpec() throws Exception {
    return map(documents().get(1), "spec", "template", "spec");
  }

  /** Runs the schema check on {@code docs}: its exit status and output. */
  static Map.Entry<Integer, String> validate(List<Map<String, Object>> docs) throws Exception {
    Path node = null;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "node"))) {
        node = Path.of(dir, "node");
      }
    }
    boolean installed = node != null && Files.isDirectory(SCHEMA_CHECK.resolve("node_modules"));
    if (!installed && System.getenv("CI") != null) {
      throw new AssertionError(
          "node or docker/k8s/schema-check/node_modules missing: .ci/run installs them");
    }
    assumeTrue(installed, "schemas not installed (npm ci --prefix docker/k8s/schema-check)");
    Process p =
        new ProcessBuilder(node.toString(), "validate.mjs")
            .directory(SCHEMA_CHECK.toFile())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().write(new ObjectMapper().writeValueAsBytes(docs));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return Map.entry(p.exitValue(), out);
  }

  @Test
  void theManifestsMatchTheKubernetesAndPrometheusOperatorSchemas() throws Exception {
    Map.Entry<Integer, String> r = validate(documents());
    assertThat(r.getValue())
        .contains("ConfigMap hermes-collector-config: valid")
        .contains("Deployment hermes-agent: valid")
        .contains("PodMonitor hermes-collector: valid");
    assertThat(r.getKey()).as(r.getValue()).isZero();

    // The check does reject: a port given as a list, a probe path as a number.
    List<Map<String, Object>> broken = documents();
    Map<String, Object> collector =
        list(map(broken.get(1), "spec", "template", "spec"), "initContainers").get(0);
    collector.put("ports", Map.of("containerPort", "eighty"));
    Map.Entry<Integer, String> bad = validate(broken);
    assertThat(bad.getKey()).isEqualTo(1);
    assertThat(bad.getValue()).contains("Deployment hermes-agent: ").contains("ports");
  }

  @Test
  void thePodAdmitsUnderPodSecurityStandardRestricted() throws Exception {
    Map<String, Object> pod = podSpec();
    Map<String, Object> podSc = map(pod, "securityContext");
    assertThat(pod).doesNotContainKeys("hostNetwork", "hostPID", "hostIPC");
    // Volumes: only the types the restricted profile allows.
    Set<String> allowed =
        Set.of(
            "configMap",
            "csi",
            "downwardAPI",
            "emptyDir",
            "ephemeral",
            "persistentVolumeClaim",
            "projected",
            "secret");
    for (Map<String, Object> v : list(pod, "volumes")) {
      assertThat(v.keySet()).as("volume %s", v.get("name")).containsAnyElementsOf(allowed);
      assertThat(allowed).containsAll(v.keySet().stream().filter(k -> !k.equals("name")).toList());
    }
    List<Map<String, Object>> containers = new ArrayList<>(list(pod, "initContainers"));
    containers.addAll(list(pod, "containers"));
    for (Map<String, Object> c : containers) {
      Map<String, Object> sc = map(c, "securityContext");
      String name = (String) c.get("name");
      assertThat(sc).as(name).isNotNull();
      assertThat(sc.get("allowPrivilegeEscalation")).as(name).isEqualTo(false);
      assertThat(sc.get("privileged")).as(name).isNotEqualTo(true);
      assertThat(map(sc, "capabilities").get("drop").toString()).as(name).isEqualTo("[ALL]");
      assertThat(map(sc, "capabilities").getOrDefault("add", List.of()).toString())
          .as(name)
          .isIn("[]", "[NET_BIND_SERVICE]");
      // runAsNonRoot and seccomp: on the container or inherited from the pod.
      assertThat(sc.getOrDefault("runAsNonRoot", podSc.get("runAsNonRoot")))
          .as(name)
          .isEqualTo(true);
      Object user = sc.getOrDefault("runAsUser", podSc.get("runAsUser"));
      assertThat(user).as("%s: a numeric non-root user the kubelet can verify", name).isNotNull();
      assertThat((Integer) user).as(name).isPositive();
      Map<String, Object> seccomp =
          sc.containsKey("seccompProfile")
              ? map(sc, "seccompProfile")
              : map(podSc, "seccompProfile");
      assertThat(seccomp.get("type")).as(name).isIn("RuntimeDefault", "Localhost");
      for (Map<String, Object> port : list(c, "ports")) {
        assertThat(port).as(name).doesNotContainKey("hostPort");
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theCollectorIsANativeSidecarWithAReadOnlyRootAndHttpProbes() throws Exception {
    Map<String, Object> pod = podSpec();
    Map<String, Object> c = list(pod, "initContainers").get(0);
    assertThat(c.get("name")).isEqualTo("hermes-collector");
    assertThat(c.get("restartPolicy")).isEqualTo("Always");
    assertThat(map(c, "securityContext").get("readOnlyRootFilesystem")).isEqualTo(true);
    assertThat(map(c, "livenessProbe", "httpGet").get("path")).isEqualTo("/healthz");
    assertThat(map(c, "readinessProbe", "httpGet").get("path")).isEqualTo("/readyz");
    String javaOptions = list(c, "env").get(0).toString();
    assertThat(javaOptions)
        .contains("JAVA_TOOL_OPTIONS")
        .contains("-XX:MaxRAMPercentage=")
        .contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(map(c, "resources", "limits")).containsKey("memory");
    assertThat(map(c, "resources", "requests")).containsKeys("cpu", "memory");
    // Every path the collector writes is an emptyDir: the spool and /tmp.
    String spool =
        ConfigLoader.load(DeploymentFilesTest.configMapConfig(), Map.of(), Map.of())
            .forward()
            .spoolDir()
            .toString();
    Map<String, String> mounts = new java.util.HashMap<>();
    for (Map<String, Object> m : list(c, "volumeMounts")) {
      mounts.put((String) m.get("mountPath"), (String) m.get("name"));
    }
    Map<String, Map<String, Object>> volumes = new java.util.HashMap<>();
    for (Map<String, Object> v : list(pod, "volumes")) {
      volumes.put((String) v.get("name"), v);
    }
    for (String path : List.of(spool, "/tmp")) {
      assertThat(mounts).as(path).containsKey(path);
      assertThat(volumes.get(mounts.get(path))).as(path).containsKey("emptyDir");
    }
    assertThat(mounts.get("/etc/hermes-collector")).isEqualTo("collector-config");
    assertThat((List<Object>) pod.get("containers")).hasSize(1);
  }
}
