package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with hermes-agent itself (0.19.0, PyPI): a real agent conversation against a canned
 * OpenAI-compatible endpoint served here, the reference plugin enabled in the agent's config,
 * exporting to the collector, which forwards to a real Jaeger. agent -> plugin -> collector ->
 * Jaeger, and the session in the collector's API.
 */
class AgentIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A chat-completions endpoint: the first call asks for the read_file tool, the next ones answer.
   * Streams (SSE) when asked to, as the agent does.
   */
  static final class FakeOpenAi implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger completions = new AtomicInteger();

    FakeOpenAi() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void handle(HttpExchange x) throws IOException {
      byte[] in = x.getRequestBody().readAllBytes();
      if (!x.getRequestMethod().equals("POST")
          || !x.getRequestURI().getPath().endsWith("/chat/completions")) {
        x.sendResponseHeaders(404, -1); // model listings and probes: not offered
        x.close();
        return;
      }
      boolean stream = JSON.readTree(in).path("stream").asBoolean(false);
      int n = completions.getAndIncrement();
      String message =
          n == 0
              ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                  + "\"type\":\"function\",\"function\":{\"name\":\"read_file\","
                  + "\"arguments\":\"{\\\"path\\\":\\\"/nonexistent/TODO\\\"}\"}}]}"
              : "{\"role\":\"assistant\",\"content\":\"There is no TODO file.\"}";
      String finish = n == 0 ? "tool_calls" : "stop";
      String usage =
          "{\"prompt_tokens\":1200,\"completion_tokens\":50,\"total_tokens\":1250,"
              + "\"prompt_tokens_details\":{\"cached_tokens\":200}}";
      String head = "{\"id\":\"c" + n + "\",\"created\":1764400000,\"model\":\"deepseek-v3-0324\",";
      String body;
      if (stream) {
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        body =
            "data: "
                + head
                + "\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + message
                + ",\"finish_reason\":null}]}\n\n"
                + "data: "
                + head
                + "\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\":\""
                + finish
                + "\"}]}\n\n"
                + "data: "
                + head
                + "\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
                + usage
                + "}\n\n"
                + "data: [DONE]\n\n";
      } else {
        x.getResponseHeaders().set("Content-Type", "application/json");
        body =
            head
                + "\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + message
                + ",\"finish_reason\":\""
                + finish
                + "\"}],\"usage\":"
                + usage
                + "}";
      }
      byte[] out = body.getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(200, out.length);
      try (OutputStream o = x.getResponseBody()) {
        o.write(out);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  void aRealAgentConversationReachesTheSessionsApiAndJaeger(@TempDir Path dir) throws Exception {
    Path python = Peers.agentPython();
    try (JaegerIT.Jaeger jaeger =
            new JaegerIT.Jaeger(Files.createDirectory(dir.resolve("jaeger")));
        FakeOpenAi llm = new FakeOpenAi();
        Collector c =
            TestCollectors.startFull(
                "forward.endpoint",
                "http://127.0.0.1:" + jaeger.otlpGrpc,
                "sessions.settle_delay",
                "200ms")) {
      Path home = Files.createDirectory(dir.resolve("hermes-home"));
      Files.writeString(home.resolve("config.yaml"), "plugins:\n  enabled: [otel_tracing]\n");
      ProcessBuilder pb =
          new ProcessBuilder(
                  python.toString(),
                  Path.of("src/test/python/agent_session.py").toAbsolutePath().toString(),
                  llm.baseUrl(),
                  "read the TODO file")
              .directory(dir.toFile())
              .redirectErrorStream(true);
      Map<String, String> env = pb.environment();
      env.put("HERMES_HOME", home.toString());
      env.put("HOME", home.toString());
      env.put("HERMES_OTEL_EXPORTER", "otlp");
      env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + c.httpAddress().getPort());
      env.put("HERMES_OTEL_LOG_FILE", "");
      env.remove("OPENAI_API_KEY");
      env.remove("OPENROUTER_API_KEY");
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(llm.completions.get()).as(out).isEqualTo(2);

      HttpClient http = HttpClient.newHttpClient();
      String api = "http://127.0.0.1:" + c.adminAddress().getPort() + "/api/sessions";
      PluginIT.await(
          () ->
              http.send(
                      HttpRequest.newBuilder(URI.create(api + "?status=finished")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body()
                  .contains("\"outcome\":\"completed\""));
      JsonNode list =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(URI.create(api + "?status=all")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(list.get("sessions")).hasSize(1);
      String key = list.get("sessions").get(0).get("key").asText();
      JsonNode s =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(URI.create(api + "/" + key)).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(s.get("turns").asInt()).isEqualTo(1);
      assertThat(s.get("llm_calls").asInt()).isEqualTo(2);
      assertThat(s.get("tool_calls").asInt()).isEqualTo(1);
      assertThat(s.get("tool_errors").asInt()).isEqualTo(1);
      // OpenAI-style usage: prompt 1200 of which 200 cached, per call; hermes-agent reports the
      // uncached 1000 as input_tokens and the collector adds the cache back.
      assertThat(s.get("tokens").get("input").asLong()).isEqualTo(2400);
      assertThat(s.get("tokens").get("cache_read").asLong()).isEqualTo(400);
      assertThat(s.get("tokens").get("output").asLong()).isEqualTo(100);
      JsonNode turn = s.get("turn_list").get(0);
      assertThat(turn.get("llm_calls").findValuesAsText("finish_reason"))
          .containsExactly("tool_calls", "stop");
      assertThat(turn.get("tool_calls").findValuesAsText("name")).containsExactly("read_file");
      String traceId = s.get("trace_id").asText();

      // Forwarded: the whole trace in Jaeger, parented as the plugin built it.
      PluginIT.await(() -> jaeger.trace(traceId).size() == 5);
      Map<String, String> names = new HashMap<>();
      jaeger
          .trace(traceId)
          .values()
          .forEach(n -> names.put(n.get("spanID").asText(), n.get("operationName").asText()));
      assertThat(names.values())
          .containsExactlyInAnyOrder(
              "hermes.session",
              "hermes.turn",
              "chat deepseek-v3-0324",
              "chat deepseek-v3-0324",
              "hermes.tool.read_file");
      assertThat(jaeger.services()).isEqualTo(List.of("hermes-agent"));
    }
  }
}
