package hermes.collector.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.cost.Pricing;
import hermes.collector.metrics.AgentMetrics;
import hermes.collector.session.CallRecord;
import hermes.collector.session.GuardTrip;
import hermes.collector.session.SessionAssembler;
import hermes.collector.session.SessionRecord;
import hermes.collector.session.Totals;
import hermes.collector.session.TurnRecord;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The sessions API, stats and price reload on the admin port: {@code GET /api/sessions} (filters,
 * sort, cursor paging: {@link SessionQuery}), {@code GET /api/sessions/{key}}, {@code GET
 * /api/traces/{traceId}}, {@code GET /api/overview}, {@code GET /api/stats}, {@code POST
 * /-/reload}. The event stream ({@code /api/sessions/stream}) is {@link SessionStream}'s. Answers
 * are JSON, built with Jackson's streaming generator from the assembler's immutable snapshots.
 *
 * <p>Threading: called on an I/O thread; queries are answered by the assembler's shards and the
 * returned future completes on a shard thread, so the I/O thread never waits; filtering, sorting
 * and tree scans then run on the {@code work} executor, so neither shard nor I/O threads pay for
 * them, and so does a price reload (file and YAML work).
 */
final class SessionsApi {
  private static final JsonFactory JSON = new JsonFactory();

  private final SessionAssembler assembler;
  private final Pricing pricing;
  private final AgentMetrics metrics;
  private final Overview overview;
  private final Executor work;

  /**
   * @param work runs the filtering, sorting and tree scans (never a shard or I/O thread)
   */
  SessionsApi(
      SessionAssembler assembler,
      Pricing pricing,
      AgentMetrics metrics,
      Overview overview,
      Executor work) {
    this.assembler = assembler;
    this.pricing = pricing;
    this.metrics = metrics;
    this.overview = overview;
    this.work = work;
  }

  /** Whether {@code path} is served here. */
  static boolean serves(String path) {
    return path.equals("/api/sessions")
        || path.startsWith("/api/sessions/")
        || path.equals("/api/stats")
        || path.equals("/api/overview")
        || path.startsWith("/api/traces/")
        || path.equals("/-/reload");
  }

  CompletableFuture<FullHttpResponse> handle(String method, String uri) {
    QueryStringDecoder q = new QueryStringDecoder(uri);
    String path = q.path();
    if (path.equals("/-/reload")) {
      if (!method.equals("POST")) {
        return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST"));
      }
      // Reading and parsing the file is disk and YAML work: off the I/O thread, answered when done.
      return CompletableFuture.supplyAsync(this::reload, work);
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET"));
    }
    if (path.equals("/api/sessions")) {
      return list(q.parameters());
    }
    if (path.equals("/api/stats")) {
      // Quantiles per series from the same HdrHistogram data the metrics record (reader side).
      return done(json(HttpResponseStatus.OK, metrics::writeStats));
    }
    if (path.equals("/api/overview")) {
      return done(json(HttpResponseStatus.OK, overview::write));
    }
    if (path.startsWith("/api/traces/")) {
      return trace(path.substring("/api/traces/".length()).toLowerCase(java.util.Locale.ROOT));
    }
    // Decoded once, from the raw path ('+' is a plus in a path, not a space), so keys holding
    // '%', '+' or '/' (sent as %25, %2B, %2F) arrive intact.
    String key =
        QueryStringDecoder.decodeComponent(
            q.rawPath().substring("/api/sessions/".length()).replace("+", "%2B"));
    if (key.isEmpty()) {
      return done(error(HttpResponseStatus.BAD_REQUEST, "missing session key"));
    }
    return timeout(
        assembler
            .sessionAsync(key)
            .thenApplyAsync(
                s ->
                    s == null || s.withdrawn()
                        ? error(HttpResponseStatus.NOT_FOUND, "session '" + key + "' not found")
                        : json(HttpResponseStatus.OK, g -> tree(g, s)),
                work));
  }

  private FullHttpResponse reload() {
    String problem = pricing.reload();
    return problem == null
        ? json(
            HttpResponseStatus.OK,
            g -> {
              g.writeStringField("status", "success");
              g.writeNumberField("price_entries", pricing.table().size());
            })
        : json(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            g -> {
              g.writeStringField("status", "error");
              g.writeStringField("error", problem);
            });
  }

  private CompletableFuture<FullHttpResponse> list(Map<String, List<String>> params) {
    SessionQuery query;
    try {
      query = SessionQuery.parse(params);
    } catch (SessionQuery.BadParameter e) {
      return done(error(HttpResponseStatus.BAD_REQUEST, e.getMessage()));
    }
    // Every kept session (both bounded by config), filtered and sorted off the shard threads.
    return timeout(
        all(query.wantsLive(), query.wantsFinished())
            .thenApplyAsync(
                sessions -> {
                  SessionQuery.Page<SessionRecord> page = query.page(sessions, SessionsApi::row);
                  return json(
                      HttpResponseStatus.OK,
                      g -> {
                        g.writeNumberField("total", page.total());
                        g.writeStringField("next", page.next());
                        g.writeArrayFieldStart("sessions");
                        for (SessionRecord s : page.rows()) {
                          g.writeStartObject();
                          summary(g, s);
                          g.writeEndObject();
                        }
                        g.writeEndArray();
                      });
                },
                work));
  }

  private CompletableFuture<List<SessionRecord>> all(boolean live, boolean finished) {
    CompletableFuture<List<SessionRecord>> l =
        live
            ? assembler.sessionsAsync(true, Integer.MAX_VALUE)
            : CompletableFuture.completedFuture(List.of());
    CompletableFuture<List<SessionRecord>> f =
        finished
            ? assembler.sessionsAsync(false, Integer.MAX_VALUE)
            : CompletableFuture.completedFuture(List.of());
    return l.thenCombine(
        f,
        (a, b) -> {
          List<SessionRecord> out = new ArrayList<>(a.size() + b.size());
          for (List<SessionRecord> part : List.of(a, b)) {
            for (SessionRecord s : part) {
              if (!s.withdrawn()) { // no session at all (its calls went to the real one)
                out.add(s);
              }
            }
          }
          return out;
        });
  }

  static SessionQuery.Row row(SessionRecord s) {
    Totals t = s.totals();
    return new SessionQuery.Row(
        s.key(),
        s.service(),
        s.live(),
        s.outcome(),
        s.startNanos(),
        s.durationNanos(),
        t.costPico(),
        t.llmErrors() + t.toolErrors(),
        t.inputTokens() + t.outputTokens(),
        () -> models(s),
        guardLabels(s));
  }

  private static List<String> guardLabels(SessionRecord s) {
    if (s.guards().isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(s.guards().size());
    for (GuardTrip t : s.guards()) {
      out.add(t.guard().label());
    }
    return out;
  }

  private static Set<String> models(SessionRecord s) {
    Set<String> models = new HashSet<>();
    for (TurnRecord t : s.turns()) {
      for (CallRecord c : t.calls()) {
        if (c.model() != null) {
          models.add(c.model());
        }
      }
    }
    for (CallRecord c : s.looseCalls()) {
      if (c.model() != null) {
        models.add(c.model());
      }
    }
    return models;
  }

  /** {@code GET /api/traces/{traceId}}: the session (and turn) a trace belongs to. */
  private CompletableFuture<FullHttpResponse> trace(String id) {
    if (id.length() != 32 || !id.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      return done(
          error(
              HttpResponseStatus.BAD_REQUEST,
              "traceId: '" + id + "' is not 32 hex digits (a W3C trace id)"));
    }
    long high = Long.parseUnsignedLong(id.substring(0, 16), 16);
    long low = Long.parseUnsignedLong(id.substring(16), 16);
    return timeout(
        all(true, true)
            .thenApplyAsync(
                sessions -> {
                  for (SessionRecord s : sessions) {
                    for (TurnRecord t : s.turns()) {
                      if (t.traceIdHigh() == high && t.traceIdLow() == low) {
                        return traceAnswer(id, s, t);
                      }
                    }
                    if (s.rootSpanId() != 0
                        && s.rootTraceIdHigh() == high
                        && s.rootTraceIdLow() == low) {
                      return traceAnswer(id, s, null);
                    }
                  }
                  return error(
                      HttpResponseStatus.NOT_FOUND,
                      "trace " + id + " belongs to no live or kept session");
                },
                work));
  }

  private static FullHttpResponse traceAnswer(String id, SessionRecord s, TurnRecord t) {
    return json(
        HttpResponseStatus.OK,
        g -> {
          g.writeStringField("trace_id", id);
          g.writeStringField("session", s.key());
          g.writeStringField("status", s.live() ? "live" : "finished");
          if (t == null) {
            g.writeNullField("turn");
          } else {
            g.writeObjectFieldStart("turn");
            if (t.index() >= 0) {
              g.writeNumberField("index", t.index());
            }
            g.writeNumberField("position", s.turns().indexOf(t));
            g.writeStringField("span_id", String.format("%016x", t.spanId()));
            g.writeStringField("start", time(t.startNanos()));
            g.writeEndObject();
          }
        });
  }

  static void summary(JsonGenerator g, SessionRecord s) throws IOException {
    g.writeStringField("key", s.key());
    g.writeStringField("service", s.service());
    g.writeStringField("platform", s.platform());
    g.writeStringField("status", s.live() ? "live" : "finished");
    g.writeStringField("outcome", s.outcome());
    g.writeStringField("start", time(s.startNanos()));
    g.writeNumberField("duration_seconds", seconds(s.durationNanos()));
    g.writeNumberField("turns", s.turnCount());
    g.writeNumberField("open_turns", s.live() ? s.openTurns().size() : 0);
    Totals t = s.totals();
    g.writeNumberField("llm_calls", t.llmCalls());
    g.writeNumberField("tool_calls", t.toolCalls());
    g.writeNumberField("llm_errors", t.llmErrors());
    g.writeNumberField("tool_errors", t.toolErrors());
    tokens(
        g,
        t.inputTokens(),
        t.outputTokens(),
        t.cacheReadTokens(),
        t.cacheWriteTokens(),
        t.reasoningTokens());
    g.writeNumberField("cost_usd", usd(t.costPico()));
    g.writeNumberField("unpriced_tokens", t.unpricedTokens());
    g.writeNumberField("late_spans", s.lateSpans());
    // The runaway guards it tripped (guards.*), in order; empty when none.
    g.writeArrayFieldStart("guards");
    for (GuardTrip trip : s.guards()) {
      g.writeStartObject();
      g.writeStringField("guard", trip.guard().label());
      g.writeStringField("at", time(trip.atNanos()));
      g.writeNumberField("value", trip.value());
      g.writeNumberField("limit", trip.limit());
      g.writeStringField("trace_id", trip.traceId());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void tree(JsonGenerator g, SessionRecord s) throws IOException {
    summary(g, s);
    if (s.rootSpanId() != 0) {
      g.writeStringField(
          "trace_id", String.format("%016x%016x", s.rootTraceIdHigh(), s.rootTraceIdLow()));
      g.writeStringField("span_id", String.format("%016x", s.rootSpanId()));
    }
    g.writeArrayFieldStart("turn_list");
    for (TurnRecord t : s.turns()) {
      g.writeStartObject();
      if (t.index() >= 0) {
        g.writeNumberField("index", t.index());
      }
      g.writeStringField("trace_id", String.format("%016x%016x", t.traceIdHigh(), t.traceIdLow()));
      if (t.provisional()) {
        // An open turn: calls whose turn span has not arrived (or not been decided) yet; it has
        // no span of its own, and its calls move under their turn when it comes.
        g.writeBooleanField("open", true);
      } else {
        g.writeStringField("span_id", String.format("%016x", t.spanId()));
      }
      g.writeStringField("start", time(t.startNanos()));
      g.writeNumberField("duration_seconds", seconds(t.durationNanos()));
      g.writeBooleanField("error", t.error());
      g.writeNumberField("cost_usd", usd(t.totals().costPico()));
      // sessions.capture_content: present only when captured (already cut to its bound); the
      // explorer shows them as text.
      if (t.userMessage() != null) {
        g.writeStringField("user_message", t.userMessage());
      }
      calls(g, t.calls());
      if (t.droppedCalls() > 0) {
        g.writeNumberField("calls_not_kept", t.droppedCalls());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    if (!s.looseCalls().isEmpty()) {
      g.writeObjectFieldStart("calls_outside_turns");
      calls(g, s.looseCalls());
      g.writeEndObject();
    }
  }

  private static void calls(JsonGenerator g, List<CallRecord> calls) throws IOException {
    g.writeArrayFieldStart("llm_calls");
    for (CallRecord c : calls) {
      if (!c.isModelCall()) {
        continue;
      }
      g.writeStartObject();
      g.writeStringField("span_id", String.format("%016x", c.spanId()));
      g.writeStringField("kind", c.role().name().toLowerCase(java.util.Locale.ROOT));
      g.writeStringField("model", c.model());
      g.writeStringField("provider", c.provider());
      g.writeStringField("start", time(c.startNanos()));
      g.writeNumberField("duration_seconds", seconds(c.durationNanos()));
      tokens(
          g,
          c.inputTokens(),
          c.outputTokens(),
          c.cacheReadTokens(),
          c.cacheWriteTokens(),
          c.reasoningTokens());
      if (c.costPico() >= 0) {
        g.writeNumberField("cost_usd", usd(c.costPico()));
      } else {
        g.writeNullField("cost_usd"); // unpriced: unknown, not zero
      }
      g.writeStringField("finish_reason", c.finishReason());
      g.writeStringField("error_type", c.errorType());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("tool_calls");
    for (CallRecord c : calls) {
      if (c.isModelCall()) {
        continue;
      }
      g.writeStartObject();
      g.writeStringField("span_id", String.format("%016x", c.spanId()));
      g.writeStringField("name", c.toolName());
      g.writeStringField("status", c.toolStatus() == null ? null : c.toolStatus().label());
      g.writeStringField("start", time(c.startNanos()));
      g.writeNumberField("duration_seconds", seconds(c.durationNanos()));
      g.writeStringField("error_type", c.errorType());
      if (c.toolArgs() != null) {
        g.writeStringField("args", c.toolArgs());
      }
      if (c.toolResult() != null) {
        g.writeStringField("result", c.toolResult());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void tokens(JsonGenerator g, long in, long out, long cr, long cw, long r)
      throws IOException {
    g.writeObjectFieldStart("tokens");
    g.writeNumberField("input", in);
    g.writeNumberField("output", out);
    g.writeNumberField("cache_read", cr);
    g.writeNumberField("cache_write", cw);
    g.writeNumberField("reasoning", r);
    g.writeEndObject();
  }

  private static String time(long nanos) {
    return Instant.ofEpochSecond(0, nanos).toString();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static java.math.BigDecimal usd(long pico) {
    // Exact: pico-dollars are integers, so the decimal is too.
    return java.math.BigDecimal.valueOf(pico, 12).stripTrailingZeros();
  }

  /** Writes the fields of one JSON object. */
  interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  static FullHttpResponse json(HttpResponseStatus status, Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(out.toByteArray()));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, out.size());
    return r;
  }

  static FullHttpResponse error(HttpResponseStatus status, String message) {
    return json(status, g -> g.writeStringField("error", message));
  }

  private static CompletableFuture<FullHttpResponse> done(FullHttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }

  private static CompletableFuture<FullHttpResponse> timeout(
      CompletableFuture<FullHttpResponse> f) {
    return f.orTimeout(5, TimeUnit.SECONDS)
        .exceptionally(
            e ->
                error(
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the assembler did not answer: " + e.getClass().getSimpleName()));
  }
}
