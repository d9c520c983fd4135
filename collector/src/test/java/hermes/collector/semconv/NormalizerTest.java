package hermes.collector.semconv;

import static hermes.collector.semconv.Spans.attrs;
import static hermes.collector.semconv.Spans.error;
import static hermes.collector.semconv.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class NormalizerTest {
  private final LongAdder corrections = new LongAdder();
  private final Names names = new Names(256);

  private List<AgentSpan> normalize(Map<Convention, CacheSemantics> cache, Span.Builder... spans)
      throws Exception {
    List<Span> built = new ArrayList<>();
    for (Span.Builder b : spans) {
      built.add(b.build());
    }
    return normalize(new Normalizer(names, cache, corrections), built);
  }

  private static List<AgentSpan> normalize(Normalizer n, List<Span> built) throws Exception {
    List<AgentSpan> out = new ArrayList<>();
    new TraceRequestReader(ReaderLimits.DEFAULT)
        .read(
            Spans.request("hermes-agent", built).toByteArray(),
            new TraceVisitor() {
              @Override
              public void resource(ResourceView r) {
                n.resource(r);
              }

              @Override
              public void span(SpanView s) {
                out.add(n.normalize(s));
              }
            });
    return out;
  }

  private List<AgentSpan> normalize(Span.Builder... spans) throws Exception {
    return normalize(Map.of(), spans);
  }

  @Test
  void theReferenceHermesPluginTree() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(
                span(1, 10, 0, "hermes.session"),
                "hermes.span.kind",
                "AGENT",
                "hermes.session.id",
                "20260415_101500_ab12",
                "gen_ai.system",
                "hermes-agent",
                "gen_ai.request.model",
                "deepseek-v3-0324",
                "hermes.platform",
                "telegram",
                "hermes.session.completed",
                true,
                "hermes.session.interrupted",
                false,
                "hermes.session.total_turns",
                1L),
            attrs(
                span(1, 11, 10, "hermes.turn"),
                "hermes.span.kind",
                "CHAIN",
                "hermes.session.id",
                "20260415_101500_ab12",
                "hermes.turn.index",
                1L,
                "hermes.is_first_turn",
                true,
                "hermes.platform",
                "telegram",
                "hermes.turn.api_call_count",
                2L,
                "hermes.turn.tool_call_count",
                1L,
                "hermes.turn.duration_s",
                3.5),
            attrs(
                span(1, 12, 11, "chat deepseek-v3-0324").setKind(Span.SpanKind.SPAN_KIND_CLIENT),
                "hermes.span.kind",
                "LLM",
                "gen_ai.operation.name",
                "chat",
                "gen_ai.system",
                "hermes-agent",
                "gen_ai.request.model",
                "deepseek-v3-0324",
                "gen_ai.response.model",
                "deepseek-v3-0324",
                "gen_ai.usage.input_tokens",
                1000L,
                "gen_ai.usage.output_tokens",
                500L,
                "gen_ai.response.finish_reasons",
                List.of("tool_calls"),
                "hermes.provider",
                "DeepSeek",
                "hermes.api_call_number",
                1L,
                "hermes.cache.read_tokens",
                3000L,
                "hermes.cache.write_tokens",
                200L,
                "hermes.reasoning_tokens",
                100L,
                "server.address",
                "api.deepseek.com"),
            error(
                attrs(
                    span(1, 13, 11, "hermes.tool.terminal"),
                    "hermes.span.kind",
                    "TOOL",
                    "hermes.tool.name",
                    "terminal",
                    "hermes.session.id",
                    "20260415_101500_ab12"),
                "{\"error\": \"exit 1\"}"));
    AgentSpan session = s.get(0);
    assertThat(session.role()).isEqualTo(Role.SESSION);
    assertThat(session.convention()).isEqualTo(Convention.HERMES);
    assertThat(session.sessionKey()).isEqualTo("20260415_101500_ab12");
    assertThat(session.platform()).isEqualTo("telegram");
    assertThat(session.service()).isEqualTo("hermes-agent");
    assertThat(session.sessionOutcome()).isEqualTo("completed");
    assertThat(session.provider()).isNull(); // gen_ai.system=hermes-agent is not a provider

    assertThat(s.get(1).role()).isEqualTo(Role.TURN);
    assertThat(s.get(1).turnIndex()).isEqualTo(1);
    assertThat(s.get(1).parentSpanId()).isEqualTo(10);

    AgentSpan chat = s.get(2);
    assertThat(chat.role()).isEqualTo(Role.LLM);
    assertThat(chat.sessionKey()).isNull(); // API call spans carry none: inherited from the tree
    assertThat(chat.model()).isEqualTo("deepseek-v3-0324");
    assertThat(chat.provider()).isEqualTo("deepseek");
    // hermes input excludes cache: 1000 uncached + 3000 read + 200 written.
    assertThat(chat.inputTokens()).isEqualTo(4200);
    assertThat(chat.cacheReadTokens()).isEqualTo(3000);
    assertThat(chat.cacheWriteTokens()).isEqualTo(200);
    assertThat(chat.outputTokens()).isEqualTo(500);
    assertThat(chat.reasoningTokens()).isEqualTo(100);
    assertThat(chat.finishReason()).isEqualTo("tool_calls");
    assertThat(chat.tokensCorrected()).isFalse();
    assertThat(chat.reportedCostUsd()).isNaN();

    AgentSpan tool = s.get(3);
    assertThat(tool.role()).isEqualTo(Role.TOOL);
    assertThat(tool.toolName()).isEqualTo("terminal");
    assertThat(tool.toolStatus()).isEqualTo(ToolStatus.ERROR);
    assertThat(tool.errorType()).isEqualTo("error");
    assertThat(corrections.sum()).isZero();
  }

  @Test
  void otelGenAi() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(
                span(2, 20, 0, "invoke_agent travel-planner"),
                "gen_ai.operation.name",
                "invoke_agent",
                "gen_ai.agent.name",
                "travel-planner",
                "gen_ai.conversation.id",
                "conv-1"),
            attrs(
                span(2, 21, 20, "chat gpt-4o"),
                "gen_ai.operation.name",
                "chat",
                "gen_ai.provider.name",
                "openai",
                "gen_ai.request.model",
                "gpt-4o",
                "gen_ai.response.model",
                "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens",
                1000L,
                "gen_ai.usage.cache_read.input_tokens",
                300L,
                "gen_ai.usage.output_tokens",
                80L,
                "gen_ai.usage.reasoning.output_tokens",
                20L,
                "gen_ai.response.finish_reasons",
                List.of("stop")),
            attrs(
                span(2, 22, 20, "execute_tool get_weather"),
                "gen_ai.operation.name",
                "execute_tool",
                "gen_ai.tool.name",
                "get_weather"),
            attrs(
                span(2, 23, 20, "chat grok-4"),
                "gen_ai.operation.name",
                "chat",
                "gen_ai.system",
                "xai",
                "gen_ai.usage.input_tokens",
                10L));
    assertThat(s.get(0).role()).isEqualTo(Role.AGENT);
    assertThat(s.get(0).convention()).isEqualTo(Convention.GENAI);
    assertThat(s.get(0).sessionKey()).isEqualTo("conv-1");
    AgentSpan chat = s.get(1);
    assertThat(chat.model()).isEqualTo("gpt-4o-2024-08-06"); // response model wins
    assertThat(chat.provider()).isEqualTo("openai");
    assertThat(chat.inputTokens()).isEqualTo(1000); // already includes the 300 cached
    assertThat(chat.cacheReadTokens()).isEqualTo(300);
    assertThat(chat.outputTokens()).isEqualTo(80);
    assertThat(chat.reasoningTokens()).isEqualTo(20);
    assertThat(chat.finishReason()).isEqualTo("stop");
    assertThat(s.get(2).role()).isEqualTo(Role.TOOL);
    assertThat(s.get(2).toolName()).isEqualTo("get_weather");
    assertThat(s.get(2).toolStatus()).isEqualTo(ToolStatus.SUCCESS);
    assertThat(s.get(3).provider()).isEqualTo("x_ai");
    assertThat(s.get(3).model()).isEqualTo("grok-4"); // from the span name
  }

  @Test
  void openInferenceOneTracePerTurn() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(
                span(3, 30, 0, "agent.run"),
                "openinference.span.kind",
                "AGENT",
                "session.id",
                "phoenix-session-7",
                "input.value",
                "what is the weather"),
            attrs(
                span(3, 31, 30, "ChatCompletion"),
                "openinference.span.kind",
                "LLM",
                "session.id",
                "phoenix-session-7",
                "llm.model_name",
                "claude-3-5-sonnet-20241022",
                "llm.provider",
                "anthropic",
                "llm.token_count.prompt",
                900L,
                "llm.token_count.completion",
                120L,
                "llm.token_count.prompt_details.cache_read",
                600L,
                "llm.cost.total",
                0.0042),
            attrs(
                span(3, 32, 30, "search"),
                "openinference.span.kind",
                "TOOL",
                "tool.name",
                "search",
                "session.id",
                "phoenix-session-7"));
    assertThat(s).extracting(AgentSpan::role).containsExactly(Role.AGENT, Role.LLM, Role.TOOL);
    assertThat(s).allSatisfy(a -> assertThat(a.convention()).isEqualTo(Convention.OPENINFERENCE));
    assertThat(s).allSatisfy(a -> assertThat(a.sessionKey()).isEqualTo("phoenix-session-7"));
    AgentSpan llm = s.get(1);
    assertThat(llm.model()).isEqualTo("claude-3-5-sonnet-20241022");
    assertThat(llm.provider()).isEqualTo("anthropic");
    assertThat(llm.inputTokens()).isEqualTo(900);
    assertThat(llm.cacheReadTokens()).isEqualTo(600);
    assertThat(llm.reportedCostUsd()).isEqualTo(0.0042);
    assertThat(s.get(2).toolName()).isEqualTo("search");
    // The same session key string is shared, not decoded again for every span.
    assertThat(s.get(0).sessionKey()).isSameAs(s.get(2).sessionKey());
  }

  @Test
  void openLlmetryWorkflowTaskToolAndLegacyUsageKeys() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(
                span(4, 40, 0, "joke_generator.workflow"),
                "traceloop.span.kind",
                "workflow",
                "traceloop.association.properties.session_id",
                "user-42-chat"),
            attrs(span(4, 41, 40, "create_joke.task"), "traceloop.span.kind", "task"),
            attrs(
                span(4, 42, 41, "openai.chat"),
                "llm.request.type",
                "chat",
                "gen_ai.system",
                "OpenAI",
                "gen_ai.request.model",
                "gpt-4o-mini",
                "gen_ai.usage.prompt_tokens",
                50L,
                "gen_ai.usage.completion_tokens",
                30L),
            attrs(
                span(4, 43, 41, "translate.tool"),
                "traceloop.span.kind",
                "tool",
                "traceloop.entity.name",
                "translate"),
            attrs(
                span(4, 44, 41, "anthropic.chat"),
                "gen_ai.system",
                "Anthropic",
                "gen_ai.request.model",
                "claude-haiku-4-5",
                "gen_ai.usage.input_tokens",
                10L,
                "gen_ai.usage.cache_read_input_tokens",
                2000L,
                "gen_ai.usage.output_tokens",
                5L));
    assertThat(s)
        .extracting(AgentSpan::role)
        .containsExactly(Role.CHAIN, Role.CHAIN, Role.LLM, Role.TOOL, Role.LLM);
    assertThat(s.get(0).sessionKey()).isEqualTo("user-42-chat");
    AgentSpan llm = s.get(2);
    assertThat(llm.convention()).isEqualTo(Convention.OPENLLMETRY);
    assertThat(llm.provider()).isEqualTo("openai");
    assertThat(llm.inputTokens()).isEqualTo(50);
    assertThat(llm.outputTokens()).isEqualTo(30);
    assertThat(s.get(3).toolName()).isEqualTo("translate"); // traceloop.entity.name
    // Anthropic-style usage (input without cache) is caught by the safety net.
    AgentSpan raw = s.get(4);
    assertThat(raw.role()).isEqualTo(Role.LLM);
    assertThat(raw.inputTokens()).isEqualTo(2010);
    assertThat(raw.tokensCorrected()).isTrue();
    assertThat(corrections.sum()).isEqualTo(1);
  }

  @Test
  void openInferenceKindsWithGenAiUsageKeys() throws Exception {
    AgentSpan s =
        normalize(
                attrs(
                    span(5, 50, 0, "llm"),
                    "openinference.span.kind",
                    "LLM",
                    "gen_ai.request.model",
                    "gemini-2.5-pro",
                    "gen_ai.provider.name",
                    "gcp.gemini",
                    "gen_ai.usage.input_tokens",
                    5000L,
                    "gen_ai.usage.cache_read.input_tokens",
                    1000L,
                    "gen_ai.usage.cache_creation.input_tokens",
                    500L,
                    "gen_ai.usage.output_tokens",
                    700L,
                    "gen_ai.usage.cost",
                    0.01))
            .get(0);
    assertThat(s.convention()).isEqualTo(Convention.OPENINFERENCE);
    assertThat(s.inputTokens()).isEqualTo(5000);
    assertThat(s.cacheReadTokens()).isEqualTo(1000);
    assertThat(s.cacheWriteTokens()).isEqualTo(500);
    assertThat(s.reportedCostUsd()).isEqualTo(0.01);
    assertThat(s.provider()).isEqualTo("gcp.gemini");
  }

  @Test
  void includesCacheCanBeOverriddenPerConvention() throws Exception {
    Span.Builder hermes =
        attrs(
            span(6, 60, 0, "chat m"),
            "hermes.span.kind",
            "LLM",
            "gen_ai.usage.input_tokens",
            5000L,
            "hermes.cache.read_tokens",
            3000L);
    assertThat(
            normalize(Map.of(Convention.HERMES, CacheSemantics.TRUE), hermes).get(0).inputTokens())
        .isEqualTo(5000);
    assertThat(normalize(hermes).get(0).inputTokens()).isEqualTo(8000);
    Span.Builder genai =
        attrs(
            span(6, 61, 0, "chat m"),
            "gen_ai.operation.name",
            "chat",
            "gen_ai.usage.input_tokens",
            5000L,
            "gen_ai.usage.cache_read.input_tokens",
            3000L);
    assertThat(
            normalize(Map.of(Convention.GENAI, CacheSemantics.FALSE), genai).get(0).inputTokens())
        .isEqualTo(8000);
  }

  @Test
  void llmErrorsAreClassified() throws Exception {
    List<AgentSpan> s =
        normalize(
            error(
                attrs(span(7, 70, 0, "chat a"), "gen_ai.operation.name", "chat"),
                "Rate limit reached for gpt-4o"),
            attrs(
                span(7, 71, 0, "chat b"),
                "gen_ai.operation.name",
                "chat",
                "error.type",
                "context_length_exceeded"),
            error(
                attrs(
                    span(7, 72, 0, "chat c"),
                    "gen_ai.operation.name",
                    "chat",
                    "http.response.status_code",
                    504L),
                "upstream"),
            error(
                attrs(
                    span(7, 73, 0, "chat d"),
                    "gen_ai.operation.name",
                    "chat",
                    "http.response.status_code",
                    429L),
                "x"),
            error(
                attrs(span(7, 74, 0, "chat e"), "gen_ai.operation.name", "chat"),
                "Internal server error"),
            attrs(span(7, 75, 0, "chat f"), "gen_ai.operation.name", "chat"));
    assertThat(s)
        .extracting(AgentSpan::errorType)
        .containsExactly(
            "rate_limit", "context_too_long", "timeout", "rate_limit", "api_error", null);
    assertThat(s.get(5).error()).isFalse();
  }

  @Test
  void toolTimeoutsAndOutcomes() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(
                span(8, 80, 0, "hermes.tool.browser"),
                "hermes.span.kind",
                "TOOL",
                "hermes.tool.outcome",
                "timeout"),
            error(
                attrs(
                    span(8, 81, 0, "execute_tool fetch"), "gen_ai.operation.name", "execute_tool"),
                "request timed out"),
            attrs(
                span(8, 82, 0, "execute_tool db"),
                "gen_ai.operation.name",
                "execute_tool",
                "error.type",
                "PermissionError"),
            attrs(span(8, 83, 0, "hermes.tool.ok"), "hermes.span.kind", "TOOL"));
    assertThat(s).extracting(AgentSpan::toolName).containsExactly("browser", "fetch", "db", "ok");
    assertThat(s)
        .extracting(AgentSpan::toolStatus)
        .containsExactly(
            ToolStatus.TIMEOUT, ToolStatus.TIMEOUT, ToolStatus.ERROR, ToolStatus.SUCCESS);
    assertThat(s)
        .extracting(AgentSpan::errorType)
        .containsExactly("timeout", "timeout", "PermissionError", null);
  }

  @Test
  void spanNamesAreTheLastResort() throws Exception {
    List<AgentSpan> s =
        normalize(
            span(9, 90, 0, "hermes.session"),
            span(9, 91, 90, "hermes.turn"),
            span(9, 92, 91, "chat gpt-4o"),
            span(9, 93, 91, "hermes.tool.read_file"),
            span(9, 94, 91, "HTTP POST"));
    assertThat(s)
        .extracting(AgentSpan::role)
        .containsExactly(Role.SESSION, Role.TURN, Role.LLM, Role.TOOL, Role.OTHER);
    assertThat(s.get(2).model()).isEqualTo("gpt-4o");
    assertThat(s.get(3).toolName()).isEqualTo("read_file");
    assertThat(s).allSatisfy(a -> assertThat(a.convention()).isEqualTo(Convention.NONE));
  }

  @Test
  void agentAndChainSpansDoNotCountTheirChildrensTokens() throws Exception {
    AgentSpan agent =
        normalize(
                attrs(
                    span(10, 100, 0, "agent"),
                    "openinference.span.kind",
                    "AGENT",
                    "llm.token_count.prompt",
                    999L))
            .get(0);
    assertThat(agent.inputTokens()).isZero();
  }

  @Test
  void namesPastTheCapBecomeOther() throws Exception {
    Names small = new Names(2);
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      spans.add(attrs(span(11, 110 + i, 0, "chat m" + i), "gen_ai.operation.name", "chat").build());
    }
    List<AgentSpan> s = normalize(new Normalizer(small, Map.of(), corrections), spans);
    assertThat(s)
        .extracting(AgentSpan::model)
        .containsExactly("m0", "m1", NameTable.OVERFLOW, NameTable.OVERFLOW);
    assertThat(small.models.overflows()).isEqualTo(2);
  }

  @Test
  void openLlmetryToolNamesFinishReasonsAndTheSpanNameBeforeDotTool() throws Exception {
    List<AgentSpan> s =
        normalize(
            attrs(span(5, 52, 51, "read_file.tool"), "traceloop.span.kind", "tool"),
            attrs(
                span(5, 53, 51, "lookup.tool"),
                "traceloop.span.kind",
                "tool",
                "traceloop.entity.name",
                "search_docs"),
            // an entity name on a span that is no tool names no tool
            attrs(
                span(5, 54, 51, "x.tool"),
                "traceloop.span.kind",
                "task",
                "traceloop.entity.name",
                "not_a_tool"),
            attrs(
                span(5, 55, 51, "openai.chat"),
                "llm.request.type",
                "chat",
                "gen_ai.request.model",
                "gpt-4o",
                "gen_ai.completion.0.finish_reason",
                "STOP"));
    assertThat(s.get(0).toolName()).isEqualTo("read_file");
    assertThat(s.get(1).toolName()).isEqualTo("search_docs");
    assertThat(s.get(2).toolName()).isNull();
    assertThat(s.get(3).finishReason()).isEqualTo("stop");
  }

  @Test
  void toolArgumentsAreHashedNeverKeptAndEqualOnlyWhenTheBytesAre() throws Exception {
    String args = "{\"path\":\"/etc/hosts\",\"lines\":[1,2,3],\"note\":\"caf\u00e9\"}";
    List<AgentSpan> s =
        normalize(
            attrs(
                span(1, 1, 0, "hermes.tool.read"),
                "hermes.span.kind",
                "TOOL",
                "hermes.tool.args",
                args),
            attrs(
                span(1, 2, 0, "execute_tool read"),
                "gen_ai.operation.name",
                "execute_tool",
                "gen_ai.tool.call.arguments",
                args),
            attrs(span(1, 3, 0, "read"), "openinference.span.kind", "TOOL", "input.value", args),
            attrs(
                span(1, 4, 0, "hermes.tool.read"),
                "hermes.span.kind",
                "TOOL",
                "hermes.tool.args",
                args.replace("hosts", "hostz")),
            attrs(span(1, 5, 0, "hermes.tool.read"), "hermes.span.kind", "TOOL"),
            attrs(span(1, 6, 0, "chat m"), "hermes.span.kind", "LLM", "input.value", args),
            attrs(
                span(1, 7, 0, "hermes.tool.read"),
                "hermes.span.kind",
                "TOOL",
                "hermes.tool.args",
                args,
                "input.value",
                "other"));
    long h = s.get(0).toolArgsHash();
    assertThat(h).isNotZero();
    assertThat(s.get(1).toolArgsHash()).isEqualTo(h); // the same bytes, whichever key
    assertThat(s.get(2).toolArgsHash()).isEqualTo(h);
    assertThat(s.get(3).toolArgsHash()).isNotEqualTo(h).isNotZero(); // one byte apart
    assertThat(s.get(4).toolArgsHash()).isZero(); // no arguments
    assertThat(s.get(5).toolArgsHash()).isZero(); // not a tool call
    assertThat(s.get(6).toolArgsHash()).isEqualTo(h); // the first key present wins
    // Content capture is off: the text is nowhere in the span.
    assertThat(s).allSatisfy(a -> assertThat(a.toolArgs()).isNull());
    assertThat(s.get(0).toString()).doesNotContain("/etc/hosts");
  }
}
