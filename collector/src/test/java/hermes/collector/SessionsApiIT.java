package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The grown-up sessions API with real sessions from the OpenTelemetry Java SDK: filters, sort and
 * cursor paging, trace lookup, the overview, and the event stream's frames.
 */
@Timeout(120)
class SessionsApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Collector collector;
  private SdkTracerProvider provider;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    start("sessions.settle_delay", "100ms", "sessions.idle_timeout", "5m");
  }

  /** (Re)starts the collector with {@code settings} and a client sending to it. */
  private void start(String... settings) throws Exception {
    if (provider != null) {
      provider.close();
      collector.close();
    }
    collector = TestCollectors.startFull(settings);
    provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().toBuilder().put("service.name", "api-it").build())
            .addSpanProcessor(
                SimpleSpanProcessor.create(SdkExporters.http(collector.httpAddress().getPort())))
            .build();
  }

  @AfterEach
  void stop() {
    provider.close();
    collector.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + collector.adminAddress().getPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode json(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /**
   * A finished hermes-plugin session of {@code calls} LLM calls (1000 input, 100 output tokens
   * each) in one turn; returns its trace id.
   */
  private String session(String key, String model, int calls, boolean completed) {
    Tracer tracer = provider.get("api-it");
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", key)
            .startSpan();
    Span turn =
        tracer
            .spanBuilder("hermes.turn")
            .setParent(Context.root().with(session))
            .setAttribute("hermes.span.kind", "CHAIN")
            .setAttribute("hermes.session.id", key)
            .setAttribute("hermes.turn.index", 1)
            .startSpan();
    for (int i = 0; i < calls; i++) {
      tracer
          .spanBuilder("chat " + model)
          .setParent(Context.root().with(turn))
          .setSpanKind(SpanKind.CLIENT)
          .setAttribute("hermes.span.kind", "LLM")
          .setAttribute("gen_ai.request.model", model)
          .setAttribute("gen_ai.usage.input_tokens", 1000L)
          .setAttribute("gen_ai.usage.output_tokens", 100L)
          .setAttribute(
              AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
          .startSpan()
          .end();
    }
    turn.end();
    // The calls and the turn are delivered before the session span ends: on a loaded machine
    // span-by-span exports can overtake each other, and a call arriving after its session's
    // settle delay is (rightly) late, which would change the totals this test sorts on.
    flush();
    if (completed) {
      session.setAttribute("hermes.session.completed", true);
      session.end();
      flush();
    }
    return session.getSpanContext().getTraceId();
  }

  private void flush() {
    SdkExporters.flush(provider);
  }

  private void awaitSessions(String query, int n) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (json("/api/sessions?" + query).get("total").asInt() != n) {
      if (System.nanoTime() - deadline > 0) {
        // what the collector holds, so that a failure says why
        throw new AssertionError(
            query
                + " never reached "
                + n
                + "; all sessions: "
                + get("/api/sessions").body()
                + "; stats: "
                + get("/api/stats").body());
      }
      Thread.sleep(20); // polls the condition
    }
  }

  @Test
  void listsFilterSortAndPageRealSessions() throws Exception {
    String t1 = session("alpha-1", "gpt-4o", 1, true);
    session("alpha-2", "deepseek-v3-0324", 3, true);
    session("beta-1", "gpt-4o", 2, true);
    session("beta-2", "gpt-4o", 4, false); // stays live
    awaitSessions("status=finished", 3);
    awaitSessions("status=live", 1);

    JsonNode all = json("/api/sessions?sort=-tokens");
    assertThat(all.get("total").asInt()).isEqualTo(4);
    assertThat(keys(all)).containsExactly("beta-2", "alpha-2", "beta-1", "alpha-1");
    assertThat(keys(json("/api/sessions?model=gpt-4o&status=finished&sort=start")))
        .containsExactly("alpha-1", "beta-1");
    assertThat(keys(json("/api/sessions?q=alpha&sort=-cost")))
        .containsExactly("alpha-1", "alpha-2");
    assertThat(keys(json("/api/sessions?status=live"))).containsExactly("beta-2");
    assertThat(keys(json("/api/sessions?outcome=completed&service=api-it&sort=tokens")))
        .containsExactly("alpha-1", "beta-1", "alpha-2");
    assertThat(
            json("/api/sessions?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z")
                .get("total")
                .asInt())
        .isZero();

    // Cursor paging: every session once, in order.
    List<String> paged = new ArrayList<>();
    String next = null;
    do {
      JsonNode page =
          json("/api/sessions?sort=-tokens&limit=3" + (next == null ? "" : "&cursor=" + next));
      assertThat(page.get("total").asInt()).isEqualTo(4);
      paged.addAll(keys(page));
      next = page.get("next").isNull() ? null : page.get("next").asText();
    } while (next != null);
    assertThat(paged).containsExactly("beta-2", "alpha-2", "beta-1", "alpha-1");

    // Bad parameters name themselves.
    HttpResponse<String> bad = get("/api/sessions?sort=-name");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("sort");
    assertThat(get("/api/sessions?min_cost_usd=free").body()).contains("min_cost_usd");

    // A trace id leads to its session and turn.
    JsonNode trace = json("/api/traces/" + t1);
    assertThat(trace.get("session").asText()).isEqualTo("alpha-1");
    assertThat(trace.get("turn").get("index").asInt()).isEqualTo(1);
    assertThat(get("/api/traces/0123456789abcdef0123456789abcdef").statusCode()).isEqualTo(404);
    assertThat(get("/api/traces/xyz").statusCode()).isEqualTo(400);

    // The overview counts what the metrics counted.
    JsonNode now = json("/api/overview");
    assertThat(now.get("llm_calls").asLong()).isGreaterThanOrEqualTo(6);
    assertThat(now.get("tokens").asLong()).isGreaterThanOrEqualTo(6 * 1100);
    assertThat(now.get("jaeger_url").asText()).isEmpty();
  }

  private static List<String> keys(JsonNode page) {
    List<String> keys = new ArrayList<>();
    page.get("sessions").forEach(s -> keys.add(s.get("key").asText()));
    return keys;
  }

  /** Polls {@code path} until {@code done} holds for its answer (200), and returns that answer. */
  private JsonNode awaitJson(String path, java.util.function.Predicate<JsonNode> done)
      throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      HttpResponse<String> r = get(path);
      if (r.statusCode() == 200) {
        JsonNode n = JSON.readTree(r.body());
        if (done.test(n)) {
          return n;
        }
      }
      assertThat(System.nanoTime()).as(path + ": " + r.body()).isLessThan(deadline);
      Thread.sleep(20); // polls the condition
    }
  }

  @Test
  void aCallWhoseTurnHasNotArrivedIsInAnOpenTurnAndContentIsShownWhenCaptured() throws Exception {
    // The default settle delay: the open turn is what liveness shows, not a settled one.
    start("sessions.idle_timeout", "5m", "sessions.capture_content", "true");
    Tracer tracer = provider.get("api-it");
    String key = "open-1";
    Span session =
        tracer
            .spanBuilder("hermes.session")
            .setAttribute("hermes.span.kind", "AGENT")
            .setAttribute("hermes.session.id", key)
            .startSpan();
    Span turn =
        tracer
            .spanBuilder("hermes.turn")
            .setParent(Context.root().with(session))
            .setAttribute("hermes.span.kind", "CHAIN")
            .setAttribute("hermes.session.id", key)
            .setAttribute("hermes.turn.index", 1)
            .setAttribute("hermes.turn.user_message", "<b>read</b> the file")
            .startSpan();
    tracer
        .spanBuilder("hermes.tool.read_file")
        .setParent(Context.root().with(turn))
        .setAttribute("hermes.span.kind", "TOOL")
        .setAttribute("hermes.session.id", key)
        .setAttribute("hermes.tool.name", "read_file")
        .setAttribute("hermes.tool.outcome", "success")
        .setAttribute("hermes.tool.args", "{\"path\":\"a.txt\"}")
        .setAttribute("hermes.tool.result", "hello\nworld")
        .startSpan()
        .end();
    flush();

    // Only the tool span has arrived: an open turn holds it, with its captured content.
    JsonNode open =
        awaitJson(
            "/api/sessions/" + key,
            n -> n.get("turn_list").size() == 1 && n.get("tool_calls").asInt() == 1);
    assertThat(open.get("status").asText()).isEqualTo("live");
    assertThat(open.get("open_turns").asInt()).isEqualTo(1);
    JsonNode t = open.get("turn_list").get(0);
    assertThat(t.get("open").asBoolean()).isTrue();
    assertThat(t.has("span_id")).isFalse();
    assertThat(t.has("user_message")).isFalse(); // it comes with the turn span
    JsonNode tool = t.get("tool_calls").get(0);
    assertThat(tool.get("name").asText()).isEqualTo("read_file");
    assertThat(tool.get("args").asText()).isEqualTo("{\"path\":\"a.txt\"}");
    assertThat(tool.get("result").asText()).isEqualTo("hello\nworld");

    // The turn span arrives: the call moves under it, counted once; the user message is there.
    turn.end();
    flush();
    JsonNode decided =
        awaitJson(
            "/api/sessions/" + key,
            n -> n.get("turn_list").size() == 1 && !n.get("turn_list").get(0).has("open"));
    assertThat(decided.get("open_turns").asInt()).isZero();
    assertThat(decided.get("tool_calls").asInt()).isEqualTo(1);
    t = decided.get("turn_list").get(0);
    assertThat(t.get("span_id").asText()).isEqualTo(turn.getSpanContext().getSpanId());
    assertThat(t.get("user_message").asText()).isEqualTo("<b>read</b> the file");
    assertThat(t.get("tool_calls")).hasSize(1);
    assertThat(t.get("tool_calls").get(0).get("args").asText()).isEqualTo("{\"path\":\"a.txt\"}");
    session.end();
  }

  @Test
  void aSessionShownUnderItsTraceIdAndThenNamedIsWithdrawnNotListed() throws Exception {
    start("sessions.idle_timeout", "5m"); // the default settle delay
    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + collector.adminAddress().getPort()
                            + "/api/sessions/stream"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    Tracer tracer = provider.get("api-it");
    Span agent =
        tracer
            .spanBuilder("invoke_agent a")
            .setAttribute("gen_ai.operation.name", "invoke_agent")
            .startSpan();
    String hex = agent.getSpanContext().getTraceId();
    chat(tracer, agent, null);
    agent.end();
    flush();
    // No span names a session: it is shown under its trace id.
    awaitJson("/api/sessions?status=live", n -> keys(n).contains(hex));
    // A later span of the trace names the real session: the calls go there.
    chat(tracer, agent, "conv-1");
    flush();
    JsonNode listed =
        awaitJson(
            "/api/sessions?status=all", n -> keys(n).contains("conv-1") && !keys(n).contains(hex));
    assertThat(keys(listed)).doesNotContain(hex);
    assertThat(get("/api/sessions/" + hex).statusCode()).isEqualTo(404);
    assertThat(json("/api/sessions/conv-1").get("llm_calls").asInt()).isEqualTo(2);
    // The stream tells its readers to drop it (not "finished": it was no session).
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String type = null;
      while (true) {
        String line = in.readLine();
        if (line.startsWith("event: ")) {
          type = line.substring("event: ".length());
        } else if (line.startsWith("data: ")
            && JSON.readTree(line.substring(6)).get("key").asText().equals(hex)
            && !type.equals("opened")
            && !type.equals("updated")) {
          assertThat(type).isEqualTo("withdrawn");
          break;
        }
      }
    }
  }

  private static void chat(Tracer tracer, Span parent, String conversation) {
    var b =
        tracer
            .spanBuilder("chat gpt-4o")
            .setParent(Context.root().with(parent))
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.request.model", "gpt-4o")
            .setAttribute("gen_ai.usage.input_tokens", 100L)
            .setAttribute("gen_ai.usage.output_tokens", 10L);
    if (conversation != null) {
      b.setAttribute("gen_ai.conversation.id", conversation);
    }
    b.startSpan().end();
  }

  @Test
  void theStreamSendsOneFramePerEventWhateverTheKeyHolds() throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + collector.adminAddress().getPort()
                            + "/api/sessions/stream"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    String key = "line one\n\ndata: {\"forged\":true}\nevent: finished 100%+/x";
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).isEqualTo(": hermes session stream");
      session(key, "gpt-4o", 2, true);
      // Frames until the finished one: each is "event: <type>", one "data:" line, a blank line.
      while (true) {
        String line = in.readLine();
        if (line.isEmpty() || line.startsWith(":") || line.startsWith("retry:")) {
          continue;
        }
        assertThat(line).matches("event: (opened|updated|finished)");
        String data = in.readLine();
        assertThat(data).startsWith("data: {");
        assertThat(in.readLine()).isEmpty();
        JsonNode s = JSON.readTree(data.substring("data: ".length()));
        assertThat(s.get("key").asText()).isEqualTo(key);
        if (line.equals("event: finished")) {
          assertThat(s.get("llm_calls").asInt()).isEqualTo(2);
          assertThat(s.get("status").asText()).isEqualTo("finished");
          break;
        }
      }
    }
    // The session page reads it back by its key, percent-encoded as a browser does.
    String encoded = java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    JsonNode tree = json("/api/sessions/" + encoded);
    assertThat(tree.get("key").asText()).isEqualTo(key);
  }
}
