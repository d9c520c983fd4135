package hermes.collector.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.semconv.AgentSpan;
import hermes.collector.semconv.Convention;
import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import hermes.collector.session.TestSessions;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  static AgentSpan llm(
      String model, long durationMs, long in, long out, long cr, String finish, String error) {
    return new AgentSpan(
        Role.LLM,
        Convention.HERMES,
        0x1234,
        0x5678,
        9,
        8,
        null,
        1_000_000_000L,
        1_000_000_000L + durationMs * 1_000_000L,
        error != null,
        error,
        model,
        "openai",
        in,
        out,
        cr,
        0,
        0,
        Double.NaN,
        finish,
        null,
        null,
        null,
        -1,
        "svc",
        null,
        false);
  }

  static AgentSpan tool(String name, long durationMs, ToolStatus status) {
    return new AgentSpan(
        Role.TOOL,
        Convention.HERMES,
        0x1234,
        0x5678,
        10,
        8,
        null,
        0,
        durationMs * 1_000_000L,
        status != ToolStatus.SUCCESS,
        status == ToolStatus.SUCCESS ? null : status.label(),
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        Double.NaN,
        null,
        name,
        status,
        null,
        -1,
        "svc",
        null,
        false);
  }

  private static String scrape(AgentMetrics m, String contentType) throws Exception {
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(m);
    StringWriter w = new StringWriter();
    TextFormat.writeFormat(contentType, w, r.metricFamilySamples());
    return w.toString();
  }

  /** The lines of one family, from its HELP line to the next family. */
  private static String family(String text, String name) {
    int start = text.indexOf("# HELP " + name + " ");
    assertThat(start).as("family %s present", name).isNotNegative();
    int end = text.indexOf("# HELP ", start + 1);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  /** OpenMetrics puts TYPE before HELP: one family from its TYPE line to the next family. */
  private static String omFamily(String text, String name) {
    int start = text.indexOf("# TYPE " + name + " ");
    assertThat(start).as("family %s present", name).isNotNegative();
    int end = text.indexOf("# TYPE ", start + 1);
    if (end < 0) {
      end = text.indexOf("# EOF", start);
    }
    return text.substring(start, end);
  }

  private static AgentMetrics small() {
    AgentMetrics m = new AgentMetrics(256, Map.of());
    m.sessionOpened(TestSessions.live("a", "svc"));
    m.sessionOpened(TestSessions.live("b", "svc"));
    m.callFinished(llm("gpt-4o", 1500, 1200, 300, 200, "stop", null), 6_000_000_000L);
    m.callFinished(llm("gpt-4o", 400, 100, 10, 0, "tool_calls", null), 350_000_000L);
    m.callFinished(llm("local-llama", 700, 50, 5, 0, "stop", "rate_limit"), -1);
    m.callFinished(tool("web_search", 120, ToolStatus.SUCCESS), 0);
    m.callFinished(tool("web_search", 30_000, ToolStatus.TIMEOUT), 0);
    return m;
  }

  @Test
  void exactPrometheusText() throws Exception {
    String text = scrape(small(), TextFormat.CONTENT_TYPE_004);
    assertThat(family(text, "hermes_tool_call_total"))
        .isEqualTo(
            """
            # HELP hermes_tool_call_total Tool calls, by tool and status (success, error, timeout).
            # TYPE hermes_tool_call_total counter
            hermes_tool_call_total{tool_name="web_search",status="success",} 1.0
            hermes_tool_call_total{tool_name="web_search",status="timeout",} 1.0
            """);
    assertThat(family(text, "hermes_tool_duration_seconds"))
        .isEqualTo(
            """
            # HELP hermes_tool_duration_seconds Duration of tool calls.
            # TYPE hermes_tool_duration_seconds histogram
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="0.01",} 0.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="0.05",} 0.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="0.1",} 0.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="0.5",} 1.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="1.0",} 1.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="5.0",} 1.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="10.0",} 1.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="30.0",} 2.0
            hermes_tool_duration_seconds_bucket{tool_name="web_search",le="+Inf",} 2.0
            hermes_tool_duration_seconds_count{tool_name="web_search",} 2.0
            hermes_tool_duration_seconds_sum{tool_name="web_search",} 30.12
            """);
    assertThat(family(text, "hermes_tokens_total"))
        .isEqualTo(
            """
            # HELP hermes_tokens_total Tokens by model and type: prompt (all input), completion (all output), and their parts cache_read, cache_write (of prompt) and reasoning (of completion).
            # TYPE hermes_tokens_total counter
            hermes_tokens_total{model="gpt-4o",token_type="cache_read",} 200.0
            hermes_tokens_total{model="gpt-4o",token_type="cache_write",} 0.0
            hermes_tokens_total{model="gpt-4o",token_type="completion",} 310.0
            hermes_tokens_total{model="gpt-4o",token_type="prompt",} 1300.0
            hermes_tokens_total{model="gpt-4o",token_type="reasoning",} 0.0
            hermes_tokens_total{model="local-llama",token_type="cache_read",} 0.0
            hermes_tokens_total{model="local-llama",token_type="cache_write",} 0.0
            hermes_tokens_total{model="local-llama",token_type="completion",} 5.0
            hermes_tokens_total{model="local-llama",token_type="prompt",} 50.0
            hermes_tokens_total{model="local-llama",token_type="reasoning",} 0.0
            """);
    assertThat(family(text, "hermes_cost_usd_total"))
        .isEqualTo(
            """
            # HELP hermes_cost_usd_total Priced cost of LLM calls in USD (the agent's own when reported).
            # TYPE hermes_cost_usd_total counter
            hermes_cost_usd_total{model="gpt-4o",provider="openai",} 0.00635
            """);
    assertThat(family(text, "hermes_unpriced_tokens_total"))
        .contains("hermes_unpriced_tokens_total{model=\"local-llama\",provider=\"openai\",} 55.0");
    assertThat(family(text, "hermes_llm_errors_total"))
        .contains("hermes_llm_errors_total{model=\"local-llama\",error_type=\"rate_limit\",} 1.0");
    assertThat(family(text, "hermes_step_duration_seconds"))
        .contains("hermes_step_duration_seconds_count{model=\"gpt-4o\",step_type=\"final\",} 1.0")
        .contains(
            "hermes_step_duration_seconds_count{model=\"gpt-4o\",step_type=\"tool_call\",} 1.0");
    assertThat(family(text, "hermes_active_sessions"))
        .isEqualTo(
            """
            # HELP hermes_active_sessions Sessions seen and not yet finished.
            # TYPE hermes_active_sessions gauge
            hermes_active_sessions{service="svc",} 2.0
            """);
    assertThat(family(text, "gen_ai_client_token_usage"))
        .contains(
            "gen_ai_client_token_usage_bucket{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o\",gen_ai_token_type=\"input\",le=\"1024.0\",} 1.0")
        .contains(
            "gen_ai_client_token_usage_sum{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o\",gen_ai_token_type=\"input\",} 1300.0");
    assertThat(text).doesNotContain("# {trace_id"); // exemplars only in OpenMetrics
  }

  @Test
  void exactOpenMetricsTextWithExemplars() throws Exception {
    String text = scrape(small(), TextFormat.CONTENT_TYPE_OPENMETRICS_100);
    String cost = omFamily(text, "hermes_cost_usd");
    assertThat(cost)
        .matches(
            "(?s)# TYPE hermes_cost_usd counter\n"
                + "# HELP hermes_cost_usd Priced cost of LLM calls in USD \\(the agent's own when reported\\)\\.\n"
                + "hermes_cost_usd_total\\{model=\"gpt-4o\",provider=\"openai\"\\} 0\\.00635 "
                + "# \\{trace_id=\"00000000000012340000000000005678\"\\} 0\\.006 \\d+\\.\\d+\n");
    assertThat(omFamily(text, "hermes_tool_duration_seconds"))
        .contains(
            "hermes_tool_duration_seconds_bucket{tool_name=\"web_search\",le=\"0.5\"} 1.0 # {trace_id=\"00000000000012340000000000005678\"} 0.12 ")
        .contains(
            "hermes_tool_duration_seconds_bucket{tool_name=\"web_search\",le=\"+Inf\"} 2.0\n");
    assertThat(text).endsWith("# EOF\n");
  }

  @Test
  void labelValuesPastTheCapBecomeOtherAndAreCounted() throws Exception {
    AgentMetrics m = new AgentMetrics(2, Map.of());
    for (String t : List.of("a", "b", "c", "d")) {
      m.callFinished(tool(t, 10, ToolStatus.SUCCESS), 0);
    }
    String text = scrape(m, TextFormat.CONTENT_TYPE_004);
    assertThat(family(text, "hermes_tool_call_total"))
        .contains("{tool_name=\"a\",status=\"success\",} 1.0")
        .contains("{tool_name=\"b\",status=\"success\",} 1.0")
        .contains("{tool_name=\"__other__\",status=\"success\",} 2.0");
    assertThat(text)
        .contains(
            "hermes_collector_label_overflow_total{metric=\"hermes_tool_call\",label=\"tool_name\",} 2.0");
  }

  @Test
  void bucketEdgesAreExact() throws Exception {
    AgentMetrics m = new AgentMetrics(256, Map.of());
    // Exactly 30 s is in le="30"; one nanosecond more is not (HdrHistogram alone would blur it).
    m.callFinished(tool("t", 30_000, ToolStatus.SUCCESS), 0);
    AgentSpan t = tool("t", 30_000, ToolStatus.SUCCESS);
    AgentSpan longer =
        new AgentSpan(
            t.role(),
            t.convention(),
            1,
            1,
            1,
            0,
            null,
            0,
            30_000_000_001L,
            false,
            null,
            null,
            null,
            0,
            0,
            0,
            0,
            0,
            Double.NaN,
            null,
            "t",
            ToolStatus.SUCCESS,
            null,
            -1,
            null,
            null,
            false);
    m.callFinished(longer, 0);
    m.callFinished(tool("t", 300_000, ToolStatus.SUCCESS), 0);
    String text = scrape(m, TextFormat.CONTENT_TYPE_004);
    assertThat(text)
        .contains("hermes_tool_duration_seconds_bucket{tool_name=\"t\",le=\"30.0\",} 1.0")
        .contains("hermes_tool_duration_seconds_bucket{tool_name=\"t\",le=\"+Inf\",} 3.0");
  }

  @Test
  void activeSessionsArePushedByTheSessionEvents() throws Exception {
    AgentMetrics m = new AgentMetrics(256, Map.of());
    m.sessionOpened(TestSessions.live("a", "svc"));
    m.sessionOpened(TestSessions.live("b", null));
    m.sessionOpened(TestSessions.live("c", "svc"));
    m.sessionOpened(TestSessions.live("c", "svc")); // one session, one count
    m.sessionFinished(
        TestSessions.finished("c", "other")); // counted under the label it opened with
    m.sessionFinished(TestSessions.finished("zz", "svc")); // never opened: nothing to take back
    String text = scrape(m, TextFormat.CONTENT_TYPE_004);
    assertThat(family(text, "hermes_active_sessions"))
        .isEqualTo(
            """
            # HELP hermes_active_sessions Sessions seen and not yet finished.
            # TYPE hermes_active_sessions gauge
            hermes_active_sessions{service="svc",} 1.0
            hermes_active_sessions{service="unknown",} 1.0
            """);
    m.sessionFinished(TestSessions.finished("a", "svc"));
    assertThat(family(scrape(m, TextFormat.CONTENT_TYPE_004), "hermes_active_sessions"))
        .doesNotContain("service=\"svc\"");
  }

  @Test
  void guardTripsAreCountedByGuardAndServiceWithTheTrippingTraceAsExemplar() throws Exception {
    AgentMetrics m = new AgentMetrics(256, Map.of());
    String trace = "0000000000000abc0000000000000def";
    m.guardTripped(
        new hermes.collector.session.GuardTrip(
            hermes.collector.session.Guard.TOOL_REPEAT, "s1", "agent", 5, 5, trace, 1L));
    m.guardTripped(
        new hermes.collector.session.GuardTrip(
            hermes.collector.session.Guard.TOOL_REPEAT, "s2", "agent", 6, 5, trace, 2L));
    m.guardTripped(
        new hermes.collector.session.GuardTrip(
            hermes.collector.session.Guard.SESSION_COST_USD, "s3", null, 1.2, 1, trace, 3L));
    assertThat(family(scrape(m, TextFormat.CONTENT_TYPE_004), "hermes_session_guard_trips_total"))
        .contains(
            "hermes_session_guard_trips_total{guard=\"tool_repeat\",service=\"agent\",} 2.0\n",
            "hermes_session_guard_trips_total{guard=\"session_cost_usd\",service=\"unknown\",}"
                + " 1.0\n");
    assertThat(
            omFamily(
                scrape(m, TextFormat.CONTENT_TYPE_OPENMETRICS_100), "hermes_session_guard_trips"))
        .containsPattern(
            "hermes_session_guard_trips_total\\{guard=\"tool_repeat\",service=\"agent\"\\} 2\\.0 "
                + "# \\{trace_id=\""
                + trace
                + "\"\\} 1\\.0 ");
  }

  @Test
  void callsPastTheSeriesCacheStillCountOncePerSeries() {
    // More label sets than a recording thread caches (the cache starts over when full).
    AgentMetrics m = new AgentMetrics(10_000, Map.of());
    CollectorRegistry r = new CollectorRegistry(true);
    r.register(m);
    int models = 2_100; // and as many tools: past the 4,096 entries a thread caches
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < models; i++) {
        m.callFinished(llm("model-" + i, 100, 10, 2, 0, "stop", null), 1_000_000L);
        m.callFinished(tool("tool-" + i, 5, ToolStatus.SUCCESS), 0);
      }
    }
    m.callFinished(llm("model-7", 100, 10, 2, 0, "stop", "rate_limit"), -1);
    for (int i : new int[] {0, 7, 2_099}) {
      String model = "model-" + i;
      assertThat(
              r.getSampleValue(
                  "hermes_llm_calls_total",
                  new String[] {"model", "provider", "finish_reason"},
                  new String[] {model, "openai", "stop"}))
          .isEqualTo(i == 7 ? 3.0 : 2.0);
      assertThat(
              r.getSampleValue(
                  "hermes_tokens_total",
                  new String[] {"model", "token_type"},
                  new String[] {model, "prompt"}))
          .isEqualTo(i == 7 ? 30.0 : 20.0);
      assertThat(
              r.getSampleValue(
                  "hermes_cost_usd_total",
                  new String[] {"model", "provider"},
                  new String[] {model, "openai"}))
          .isEqualTo(2e-6);
      assertThat(
              r.getSampleValue(
                  "hermes_tool_call_total",
                  new String[] {"tool_name", "status"},
                  new String[] {"tool-" + i, "success"}))
          .isEqualTo(2.0);
    }
    assertThat(
            r.getSampleValue(
                "hermes_unpriced_tokens_total",
                new String[] {"model", "provider"},
                new String[] {"model-7", "openai"}))
        .isEqualTo(12.0);
    assertThat(
            r.getSampleValue(
                "hermes_unpriced_tokens_total",
                new String[] {"model", "provider"},
                new String[] {"model-8", "openai"}))
        .isNull(); // a priced model has no unpriced series
    assertThat(
            r.getSampleValue(
                "hermes_llm_errors_total",
                new String[] {"model", "error_type"},
                new String[] {"model-7", "rate_limit"}))
        .isEqualTo(1.0);
  }

  /** The value of sample {@code name} whose labels include {@code labels} (name, value pairs). */
  private static double value(List<MetricFamilySamples> families, String name, String... labels) {
    double v = Double.NaN;
    for (MetricFamilySamples f : families) {
      for (Sample x : f.samples) {
        boolean match = x.name.equals(name);
        for (int i = 0; match && i < labels.length; i += 2) {
          int k = x.labelNames.indexOf(labels[i]);
          match = k >= 0 && x.labelValues.get(k).equals(labels[i + 1]);
        }
        if (match) {
          assertThat(v).as("one sample %s %s", name, List.of(labels)).isNaN();
          v = x.value;
        }
      }
    }
    return v;
  }

  @Test
  void threadsRecordingTheSameSeriesAddUpAndScrapesNeverGoBack() throws Exception {
    // Every recording thread writes its own share of a series; a scrape sums them. Concurrent
    // scrapes must see counters and histogram counts that only grow, +Inf equal to the count, and
    // the end totals must be exact.
    AgentMetrics m = new AgentMetrics(100, Map.of());
    int threads = 4;
    int calls = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> recorders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread r =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < calls; i++) {
                  m.callFinished(llm("gpt-4o", 1 + i % 3000, 10, 5, 1, "stop", null), 1_000_000);
                  m.callFinished(tool("grep", i % 50, ToolStatus.SUCCESS), -1);
                }
              });
      r.start();
      recorders.add(r);
    }
    start.countDown();
    double calls0 = 0;
    double count0 = 0;
    double tokens0 = 0;
    boolean running = true;
    while (running) {
      running = recorders.stream().anyMatch(Thread::isAlive);
      List<MetricFamilySamples> f = m.collect();
      double llmCalls = value(f, "hermes_llm_calls_total", "model", "gpt-4o");
      double count = value(f, "hermes_step_duration_seconds_count", "model", "gpt-4o");
      double inf = value(f, "hermes_step_duration_seconds_bucket", "model", "gpt-4o", "le", "+Inf");
      double tokens = value(f, "hermes_tokens_total", "model", "gpt-4o", "token_type", "prompt");
      // A label set's series are made one after the other: each is checked once it shows.
      if (!Double.isNaN(count)) {
        assertThat(inf).isEqualTo(count);
        assertThat(count).isGreaterThanOrEqualTo(count0);
        count0 = count;
      }
      if (!Double.isNaN(llmCalls)) {
        assertThat(llmCalls).isGreaterThanOrEqualTo(calls0);
        calls0 = llmCalls;
      }
      if (!Double.isNaN(tokens)) {
        assertThat(tokens).isGreaterThanOrEqualTo(tokens0);
        tokens0 = tokens;
      }
    }
    for (Thread r : recorders) {
      r.join();
    }
    List<MetricFamilySamples> f = m.collect();
    long n = (long) threads * calls;
    assertThat(value(f, "hermes_llm_calls_total", "model", "gpt-4o")).isEqualTo(n);
    assertThat(value(f, "hermes_step_duration_seconds_count", "model", "gpt-4o")).isEqualTo(n);
    assertThat(value(f, "hermes_tokens_total", "model", "gpt-4o", "token_type", "prompt"))
        .isEqualTo(10.0 * n);
    assertThat(value(f, "hermes_cost_usd_total", "model", "gpt-4o"))
        .isCloseTo(n * 1e-6, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(value(f, "hermes_tool_call_total", "tool_name", "grep")).isEqualTo(n);
    // 1 ms .. 3000 ms, each i % 3000 + 1 ms: the sum is exact in nanoseconds.
    long sumMs = 0;
    for (int i = 0; i < calls; i++) {
      sumMs += 1 + i % 3000;
    }
    assertThat(value(f, "hermes_step_duration_seconds_sum", "model", "gpt-4o"))
        .isCloseTo(threads * sumMs / 1000.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(value(f, "hermes_step_duration_seconds_bucket", "model", "gpt-4o", "le", "0.5"))
        .isEqualTo(threads * 500.0 * (calls / 3000) + threads * Math.min(500, calls % 3000));
  }
}
