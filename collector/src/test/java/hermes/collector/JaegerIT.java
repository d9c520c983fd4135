package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hermes.collector.semconv.Spans;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding to a real Jaeger v2 (the binary {@code .ci/run} builds from the Go module proxy, with
 * in-memory storage, or its embedded Badger store for the restart test, and its OTLP receiver on
 * loopback ports chosen here), checked through Jaeger's own query API.
 */
class JaegerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String REDACTED =
      "hermes.tool.args,hermes.tool.result,hermes.turn.user_message";
  private final List<AutoCloseable> open = new ArrayList<>();

  /** A Jaeger v2 process; {@link #stop} and {@link #start} again keep its ports. */
  static final class Jaeger implements AutoCloseable {
    final int otlpGrpc;
    final int queryHttp;
    private final Path config;
    private final Path log;
    private Process process;

    /** In-memory storage. */
    Jaeger(Path dir) throws Exception {
      this(dir, false);
    }

    /**
     * A Jaeger with in-memory storage, or with {@code persistent} its embedded Badger store under
     * {@code dir}, which survives {@link #stop}/{@link #start} (what a restart test needs to see
     * every span from before the restart too).
     */
    Jaeger(Path dir, boolean persistent) throws Exception {
      otlpGrpc = freePort();
      queryHttp = freePort();
      int otlpHttp = freePort();
      int queryGrpc = freePort();
      config = dir.resolve("jaeger.yaml");
      log = dir.resolve("jaeger.log");
      // Jaeger v2 is an OpenTelemetry Collector distribution: this is its all-in-one config with
      // only the OTLP receiver and the query extension, every port on loopback and chosen here,
      // and no self-telemetry endpoint (it would bind 8888 for everyone).
      Files.writeString(
          config,
          """
          service:
            extensions: [jaeger_storage, jaeger_query]
            pipelines:
              traces:
                receivers: [otlp]
                processors: [batch]
                exporters: [jaeger_storage_exporter]
            telemetry:
              metrics:
                level: none
              logs:
                level: warn
          extensions:
            jaeger_query:
              storage:
                traces: memstore
              http:
                endpoint: 127.0.0.1:%d
              grpc:
                endpoint: 127.0.0.1:%d
            jaeger_storage:
              backends:
                memstore:
          %s
          receivers:
            otlp:
              protocols:
                grpc:
                  endpoint: 127.0.0.1:%d
                http:
                  endpoint: 127.0.0.1:%d
          processors:
            batch:
          exporters:
            jaeger_storage_exporter:
              trace_storage: memstore
          """
              .formatted(
                  queryHttp,
                  queryGrpc,
                  persistent
                      ? "        badger:\n"
                          + "          directories: {keys: \"%s\", values: \"%s\"}\n"
                              .formatted(dir.resolve("badger"), dir.resolve("badger"))
                          + "          ephemeral: false"
                      : "        memory: {max_traces: 100000}",
                  otlpGrpc,
                  otlpHttp));
      start();
    }

    void start() throws Exception {
      process =
          new ProcessBuilder(Peers.jaeger().toString(), "--config", "file:" + config)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      PluginIT.await(
          () -> {
            assertThat(process.isAlive()).as("jaeger exited: %s", Files.readString(log)).isTrue();
            return listening(otlpGrpc) && services() != null;
          });
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }

    /** {@code /api/services}, or null while the query API is not up. */
    List<String> services() {
      try {
        HttpResponse<String> r = get("/api/services");
        if (r.statusCode() != 200) {
          return null;
        }
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).get("data").forEach(n -> out.add(n.asText()));
        return out;
      } catch (IOException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }

    /** The spans of a trace by span id, as {@code /api/traces/{id}} returns them (empty: none). */
    Map<String, JsonNode> trace(String traceId) throws Exception {
      HttpResponse<String> r = get("/api/traces/" + traceId);
      Map<String, JsonNode> spans = new HashMap<>();
      if (r.statusCode() == 200) {
        for (JsonNode t : JSON.readTree(r.body()).get("data")) {
          for (JsonNode s : t.get("spans")) {
            spans.put(s.get("spanID").asText(), s);
          }
        }
      }
      return spans;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + queryHttp + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
      try {
        stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Collector collector(Jaeger jaeger, String... more) throws Exception {
    List<String> kv =
        new ArrayList<>(
            List.of(
                "forward.endpoint",
                "http://127.0.0.1:" + jaeger.otlpGrpc,
                "forward.redact_attributes",
                REDACTED,
                "forward.retry_max",
                "200ms"));
    kv.addAll(List.of(more));
    Collector c = TestCollectors.startFull(kv.toArray(String[]::new));
    open.add(c);
    return c;
  }

  @Test
  void thePluginsSessionAndAJsonTraceArriveWholeWithRedactedAttributesAbsent(@TempDir Path dir)
      throws Exception {
    Jaeger jaeger = new Jaeger(dir);
    open.add(jaeger);
    Collector c = collector(jaeger);

    String traceId =
        PluginIT.runPlugin(
            "20260415_101500_jaeger", "otlp", "http://127.0.0.1:" + c.httpAddress().getPort());
    String jsonTrace = "5b8efff798038103d269b633813fc60c";
    assertThat(postJson(c, jsonRequest(jsonTrace))).isEqualTo(200);

    PluginIT.await(() -> jaeger.trace(traceId).size() == 6 && jaeger.trace(jsonTrace).size() == 2);
    Map<String, JsonNode> spans = jaeger.trace(traceId);
    Map<String, JsonNode> byName = new HashMap<>();
    spans.values().forEach(s -> byName.put(s.get("operationName").asText(), s));
    assertThat(byName)
        .containsOnlyKeys(
            "hermes.session",
            "hermes.turn",
            "chat deepseek-v3-0324",
            "hermes.tool.terminal",
            "hermes.tool.read_file");
    String session = byName.get("hermes.session").get("spanID").asText();
    String turn = byName.get("hermes.turn").get("spanID").asText();
    assertThat(byName.get("hermes.session").get("references")).isEmpty();
    assertThat(parent(byName.get("hermes.turn"))).isEqualTo(session);
    for (JsonNode s : spans.values()) {
      String name = s.get("operationName").asText();
      if (!name.equals("hermes.session") && !name.equals("hermes.turn")) {
        assertThat(parent(s)).as(name).isEqualTo(turn);
      }
      // What the operator redacted never reaches the backend; everything else does.
      assertThat(tags(s)).as(name).doesNotContainKeys(REDACTED.split(","));
    }
    assertThat(tags(byName.get("hermes.session")))
        .containsEntry("hermes.span.kind", "AGENT")
        .containsEntry("hermes.session.id", "20260415_101500_jaeger")
        .containsEntry("hermes.session.completed", "true");
    assertThat(spans.values())
        .filteredOn(s -> s.get("operationName").asText().startsWith("chat "))
        .extracting(s -> tags(s).get("gen_ai.usage.input_tokens"))
        .containsExactlyInAnyOrder("1000", "1300");
    assertThat(tags(byName.get("hermes.tool.read_file")))
        .containsEntry("hermes.tool.name", "read_file")
        .containsEntry("error", "true")
        .containsEntry("otel.status_description", "File not found: TODO");

    // The OTLP/JSON request was transcoded to protobuf once and forwarded like any other.
    Map<String, JsonNode> json = jaeger.trace(jsonTrace);
    JsonNode child = json.get("00f067aa0ba902b7");
    assertThat(parent(child)).isEqualTo("eee19b7ec3c1b174");
    assertThat(tags(child))
        .containsEntry("hermes.tool.name", "terminal")
        .containsEntry("hermes.span.kind", "TOOL")
        .doesNotContainKey("hermes.tool.args");
    assertThat(jaeger.services()).contains("hermes-agent", "json-agent");
  }

  @Test
  void acrossAJaegerRestartWithTheSpoolOnNothingAcknowledgedIsMissing(@TempDir Path dir)
      throws Exception {
    Jaeger jaeger = new Jaeger(dir, true);
    open.add(jaeger);
    Path spool = Files.createDirectory(dir.resolve("spool"));
    Collector c = collector(jaeger, "forward.spool.dir", spool.toString());

    Map<String, Integer> before = send(c, 1, 5);
    awaitInJaeger(jaeger, before);

    jaeger.stop();
    Map<String, Integer> during = send(c, 6, 10); // acknowledged while Jaeger is down
    jaeger.start(); // same ports, same Badger store
    Map<String, Integer> after = send(c, 11, 12);
    Map<String, Integer> all = new HashMap<>(before);
    all.putAll(during);
    all.putAll(after);
    awaitInJaeger(jaeger, all); // every span of every acknowledged request, none twice
    assertThat(jaeger.services()).containsExactly("hermes-agent");
  }

  /** Sends sessions {@code from..to} (one request each, acknowledged); trace id -> span count. */
  private static Map<String, Integer> send(Collector c, int from, int to) throws Exception {
    Map<String, Integer> sent = new HashMap<>();
    for (int i = from; i <= to; i++) {
      ExportTraceServiceRequest r =
          Spans.request("hermes-agent", Spans.hermesSession(i, "restart-" + i, 2, i % 3 == 0));
      HttpResponse<String> resp =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                  .header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(r.toByteArray()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).isEqualTo(200);
      sent.put(
          HexFormat.of()
              .formatHex(
                  r.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId().toByteArray()),
          r.getResourceSpans(0).getScopeSpans(0).getSpansCount());
    }
    return sent;
  }

  private static void awaitInJaeger(Jaeger jaeger, Map<String, Integer> traces) throws Exception {
    PluginIT.await(
        () -> {
          for (Map.Entry<String, Integer> e : traces.entrySet()) {
            if (jaeger.trace(e.getKey()).size() != e.getValue()) {
              return false;
            }
          }
          return true;
        });
  }

  private static String parent(JsonNode span) {
    JsonNode refs = span.get("references");
    assertThat(refs).hasSize(1);
    assertThat(refs.get(0).get("refType").asText()).isEqualTo("CHILD_OF");
    return refs.get(0).get("spanID").asText();
  }

  private static Map<String, String> tags(JsonNode span) {
    Map<String, String> out = new HashMap<>();
    span.get("tags").forEach(t -> out.put(t.get("key").asText(), t.get("value").asText()));
    return out;
  }

  private static String jsonRequest(String traceId) {
    return """
        {"resourceSpans":[{"resource":{"attributes":[
          {"key":"service.name","value":{"stringValue":"json-agent"}}]},
        "scopeSpans":[{"spans":[
          {"traceId":"%1$s","spanId":"eee19b7ec3c1b174","name":"hermes.turn","kind":1,
           "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000002000000000",
           "attributes":[{"key":"hermes.span.kind","value":{"stringValue":"CHAIN"}}]},
          {"traceId":"%1$s","spanId":"00f067aa0ba902b7","parentSpanId":"eee19b7ec3c1b174",
           "name":"hermes.tool.terminal","kind":1,
           "startTimeUnixNano":"1700000000500000000","endTimeUnixNano":"1700000001000000000",
           "attributes":[{"key":"hermes.span.kind","value":{"stringValue":"TOOL"}},
             {"key":"hermes.tool.name","value":{"stringValue":"terminal"}},
             {"key":"hermes.tool.args","value":{"stringValue":"{\\"command\\":\\"cat ~/.ssh/id_rsa\\"}"}}]}
        ]}]}]}
        """
        .formatted(traceId);
  }

  private static int postJson(Collector c, String body) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + "/v1/traces"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
