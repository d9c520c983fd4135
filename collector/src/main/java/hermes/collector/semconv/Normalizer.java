package hermes.collector.semconv;

import hermes.collector.proto.Attributes;
import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns the wire layer's span view into an {@link AgentSpan}, whatever convention wrote it: the
 * first convention that recognizes the span gives its role (hermes plugin, OTel GenAI,
 * OpenInference, OpenLLMetry, then the span name); the fields come from the first key present in
 * each list of {@code spec/conventions.md}, and token counts follow its section 4.
 *
 * <p>Threading: one instance per thread (it reuses its key index and name caches); the shared
 * {@link Names} tables and counters are thread-safe. Per span it allocates the {@code AgentSpan}
 * and, only for names not seen recently on this thread, their strings.
 */
public final class Normalizer {
  private static final byte[] HERMES_AGENT = Values.ascii("hermes-agent");
  private static final byte[] SERVICE_NAME = Values.ascii("service.name");
  private static final byte[] ERROR = Values.ascii("error");
  private static final byte[] TIMEOUT = Values.ascii("timeout");
  private static final int MAX_SESSION_KEY_BYTES = 256;

  private static final Key[] SESSION_KEYS = {
    Key.HERMES_SESSION_ID,
    Key.GEN_AI_CONVERSATION_ID,
    Key.SESSION_ID,
    Key.LANGFUSE_SESSION_ID,
    Key.TRACELOOP_SESSION_ID,
    Key.TRACELOOP_CHAT_ID
  };
  private static final Key[] MODEL_KEYS = {
    Key.GEN_AI_RESPONSE_MODEL,
    Key.GEN_AI_REQUEST_MODEL,
    Key.LLM_RESPONSE_MODEL,
    Key.LLM_MODEL_NAME,
    Key.LLM_REQUEST_MODEL_NAME
  };
  private static final Key[] PROVIDER_KEYS = {
    Key.GEN_AI_PROVIDER_NAME,
    Key.HERMES_PROVIDER,
    Key.GEN_AI_SYSTEM,
    Key.LLM_PROVIDER,
    Key.LLM_SYSTEM
  };
  private static final Key[] INPUT_KEYS = {
    Key.GEN_AI_USAGE_INPUT_TOKENS, Key.GEN_AI_USAGE_PROMPT_TOKENS, Key.LLM_TOKEN_COUNT_PROMPT
  };
  private static final Key[] OUTPUT_KEYS = {
    Key.GEN_AI_USAGE_OUTPUT_TOKENS,
    Key.GEN_AI_USAGE_COMPLETION_TOKENS,
    Key.LLM_TOKEN_COUNT_COMPLETION
  };
  private static final Key[] CACHE_READ_KEYS = {
    Key.GEN_AI_USAGE_CACHE_READ,
    Key.GEN_AI_USAGE_CACHE_READ_LEGACY,
    Key.HERMES_CACHE_READ,
    Key.LLM_TOKEN_COUNT_CACHE_READ
  };
  private static final Key[] CACHE_WRITE_KEYS = {
    Key.GEN_AI_USAGE_CACHE_WRITE,
    Key.GEN_AI_USAGE_CACHE_WRITE_LEGACY,
    Key.HERMES_CACHE_WRITE,
    Key.LLM_TOKEN_COUNT_CACHE_WRITE
  };
  private static final Key[] REASONING_KEYS = {
    Key.GEN_AI_USAGE_REASONING,
    Key.GEN_AI_USAGE_REASONING_LEGACY,
    Key.HERMES_REASONING,
    Key.LLM_TOKEN_COUNT_REASONING
  };
  private static final Key[] COST_KEYS = {Key.LLM_COST_TOTAL, Key.GEN_AI_USAGE_COST};
  private static final Key[] FINISH_KEYS = {
    Key.GEN_AI_RESPONSE_FINISH_REASONS,
    Key.LLM_RESPONSE_FINISH_REASON,
    Key.LLM_FINISH_REASON,
    Key.GEN_AI_COMPLETION_0_FINISH_REASON
  };
  private static final Key[] USER_MESSAGE_KEYS = {
    Key.HERMES_TURN_USER_MESSAGE, Key.INPUT_VALUE, Key.GEN_AI_INPUT_MESSAGES
  };
  private static final Key[] TOOL_ARGS_KEYS = {
    Key.HERMES_TOOL_ARGS, Key.GEN_AI_TOOL_CALL_ARGUMENTS, Key.INPUT_VALUE
  };
  private static final Key[] TOOL_RESULT_KEYS = {
    Key.HERMES_TOOL_RESULT, Key.GEN_AI_TOOL_CALL_RESULT, Key.OUTPUT_VALUE
  };
  private static final Key[] TOOL_KEYS = {
    Key.GEN_AI_TOOL_NAME, Key.HERMES_TOOL_NAME, Key.TOOL_NAME
  };
  private static final byte[][] TOOL_NAME_PREFIXES = {
    SpanNameConvention.HERMES_TOOL, SpanNameConvention.EXECUTE_TOOL, SpanNameConvention.TOOL_DOT
  };
  private static final byte[] TRACELOOP_TOOL = Values.ascii("tool");
  private static final byte[] DOT_TOOL = Values.ascii(".tool");
  private static final Map<String, String> PROVIDER_ALIASES =
      Map.of(
          "xai", "x_ai",
          "vertex_ai", "gcp.vertex_ai",
          "aws", "aws.bedrock",
          "azure", "azure.ai.openai");

  private final Names names;
  private final Map<Convention, CacheSemantics> cacheSemantics;
  private final LongAdder tokenCorrections;
  private final int maxContentBytes;
  private final KeyIndex keys = new KeyIndex();
  private final KeyIndex resourceKeys = new KeyIndex();
  private final NameCache sessionKeys = new NameCache(null, s -> s);
  private final NameCache models;
  private final NameCache providers;
  private final NameCache tools;
  private final NameCache platforms;
  private final NameCache services;
  private final NameCache finishReasons;
  private String service;

  /**
   * A normalizer for one thread.
   *
   * @param names the shared name tables
   * @param cacheSemantics per convention, whether input tokens include cached ones (absent = AUTO)
   * @param tokenCorrections counts spans whose token counts the safety net corrected
   */
  public Normalizer(
      Names names, Map<Convention, CacheSemantics> cacheSemantics, LongAdder tokenCorrections) {
    this(names, cacheSemantics, tokenCorrections, 0);
  }

  /**
   * A normalizer for one thread that also keeps content ({@code sessions.capture_content}): per
   * turn the user message, per tool call its arguments and result, each cut to {@code
   * maxContentBytes} of UTF-8 (0: keep none). Content never reaches metrics or labels.
   */
  public Normalizer(
      Names names,
      Map<Convention, CacheSemantics> cacheSemantics,
      LongAdder tokenCorrections,
      int maxContentBytes) {
    if (maxContentBytes < 0) {
      throw new IllegalArgumentException("maxContentBytes must be >= 0: " + maxContentBytes);
    }
    this.maxContentBytes = maxContentBytes;
    this.names = Objects.requireNonNull(names, "names");
    this.cacheSemantics = new EnumMap<>(Convention.class);
    this.cacheSemantics.putAll(cacheSemantics);
    this.tokenCorrections = Objects.requireNonNull(tokenCorrections, "tokenCorrections");
    models = new NameCache(names.models, s -> s);
    providers = new NameCache(names.providers, Normalizer::provider);
    tools = new NameCache(names.tools, s -> s);
    platforms = new NameCache(names.platforms, s -> s);
    services = new NameCache(names.services, s -> s);
    finishReasons = new NameCache(names.finishReasons, s -> s.toLowerCase(Locale.ROOT));
  }

  /** Lower-cases a provider name and maps legacy names to the GenAI semconv values. */
  static String provider(String raw) {
    String p = raw.trim().toLowerCase(Locale.ROOT);
    return PROVIDER_ALIASES.getOrDefault(p, p);
  }

  /** The resource of the spans that follow (for {@code service.name}). */
  public void resource(ResourceView r) {
    Attributes a = r.attributes();
    service = null;
    int i = a.find(SERVICE_NAME);
    if (Values.nonEmptyString(a, i)) {
      service = services.get(a.buffer(), a.valueOffset(i), a.valueLength(i));
    }
  }

  /** Normalizes one span; {@link #resource} must have been called for its resource. */
  public AgentSpan normalize(SpanView s) {
    Attributes a = s.attributes();
    KeyIndex k = keys;
    k.index(a);

    Convention convention;
    Role role;
    if ((role = HermesConvention.role(k)) != null) {
      convention = Convention.HERMES;
    } else if ((role = GenAiConvention.role(k)) != null) {
      convention = Convention.GENAI;
    } else if ((role = OpenInferenceConvention.role(k)) != null) {
      convention = Convention.OPENINFERENCE;
    } else if ((role = OpenLlmetryConvention.role(k)) != null) {
      convention = Convention.OPENLLMETRY;
    } else {
      role = SpanNameConvention.role(k, s);
      convention = Convention.NONE;
    }

    String sessionKey = sessionKey(a, k);
    String model = name(a, k, MODEL_KEYS, models);
    if (model == null && s.nameStartsWith(SpanNameConvention.CHAT)) {
      int skip = SpanNameConvention.CHAT.length;
      if (s.nameLength() > skip) {
        model = models.get(s.buffer(), s.nameOffset() + skip, s.nameLength() - skip);
      }
    }
    String provider = provider(a, k);

    long input = 0;
    long output = 0;
    long cacheRead = 0;
    long cacheWrite = 0;
    long reasoning = 0;
    double reportedCost = Double.NaN;
    String finishReason = null;
    boolean corrected = false;
    boolean isCall = role == Role.LLM || role == Role.EMBEDDING;
    if (isCall) {
      // Only calls carry usage that counts: agent/chain spans of some plugins repeat their
      // children's totals, and counting those would count every token twice.
      input = Values.count(a, k.first(INPUT_KEYS));
      output = Values.count(a, k.first(OUTPUT_KEYS));
      cacheRead = Values.count(a, k.first(CACHE_READ_KEYS));
      cacheWrite = Values.count(a, k.first(CACHE_WRITE_KEYS));
      reasoning = Values.count(a, k.first(REASONING_KEYS));
      Convention tokenConvention =
          HermesConvention.writesUncachedInput(k) ? Convention.HERMES : convention;
      if (!inputIncludesCache(tokenConvention)) {
        input += cacheRead + cacheWrite;
      } else if (cacheRead + cacheWrite > input) {
        input += cacheRead + cacheWrite; // cannot include them: taken as uncached
        corrected = true;
      }
      if (reasoning > output) {
        output += reasoning; // reported apart from output: reasoning is part of it
        corrected = true;
      }
      if (corrected) {
        tokenCorrections.increment();
      }
      double cost = Values.number(a, k.first(COST_KEYS));
      reportedCost = cost >= 0 ? cost : Double.NaN;
      long at = Values.firstString(a, k.first(FINISH_KEYS));
      if (at >= 0 && (int) at > 0) {
        finishReason = finishReasons.get(a.buffer(), (int) (at >>> 32), (int) at);
      }
    }

    boolean error = s.statusCode() == SpanView.STATUS_ERROR || k.has(Key.ERROR_TYPE);
    String toolName = null;
    ToolStatus toolStatus = null;
    String errorType = null;
    if (role == Role.TOOL) {
      toolName = toolName(a, k, s);
      int outcome = k.at(Key.HERMES_TOOL_OUTCOME);
      boolean timeout =
          Values.is(a, outcome, TIMEOUT)
              || ErrorTypes.isTimeout(stringOrNull(a, k.at(Key.ERROR_TYPE)))
              || (s.statusCode() == SpanView.STATUS_ERROR
                  && ErrorTypes.isTimeout(s.statusMessage()));
      error |= timeout || Values.is(a, outcome, ERROR);
      toolStatus = timeout ? ToolStatus.TIMEOUT : error ? ToolStatus.ERROR : ToolStatus.SUCCESS;
      if (timeout) {
        errorType = ErrorTypes.TIMEOUT;
      } else if (error) {
        String et = stringOrNull(a, k.at(Key.ERROR_TYPE));
        errorType = et == null || et.isEmpty() ? "error" : names.errorTypes.canonical(et);
      }
    } else if (error) {
      if (isCall) {
        errorType =
            ErrorTypes.llm(
                stringOrNull(a, k.at(Key.ERROR_TYPE)),
                Values.count(a, k.at(Key.HTTP_RESPONSE_STATUS_CODE)),
                s.statusMessage());
      } else {
        String et = stringOrNull(a, k.at(Key.ERROR_TYPE));
        errorType = et == null || et.isEmpty() ? "error" : names.errorTypes.canonical(et);
      }
    }

    String platform = null;
    int p = k.at(Key.HERMES_PLATFORM);
    if (Values.nonEmptyString(a, p)) {
      platform = platforms.get(a.buffer(), a.valueOffset(p), a.valueLength(p));
    }
    int turnIndex = -1;
    int ti = k.at(Key.HERMES_TURN_INDEX);
    if (ti >= 0) {
      turnIndex = (int) Math.min(Integer.MAX_VALUE, Values.count(a, ti));
    }

    // Hashed whether or not content is captured: the guard needs no text, and none is kept.
    long toolArgsHash =
        role == Role.TOOL ? ToolArgsHash.of(a, k.first(TOOL_ARGS_KEYS)) : ToolArgsHash.NONE;
    String userMessage = null;
    String toolArgs = null;
    String toolResult = null;
    if (maxContentBytes > 0) {
      if (role == Role.TOOL) {
        toolArgs = content(a, k.first(TOOL_ARGS_KEYS));
        toolResult = content(a, k.first(TOOL_RESULT_KEYS));
      } else if (role == Role.TURN
          || role == Role.SESSION
          || role == Role.AGENT
          || role == Role.CHAIN
          || !s.hasParent()) {
        userMessage = content(a, k.first(USER_MESSAGE_KEYS));
      }
    }

    String sessionOutcome = null;
    if (role == Role.SESSION || role == Role.AGENT) {
      if (Values.flag(a, k.at(Key.HERMES_SESSION_INTERRUPTED))) {
        sessionOutcome = "interrupted";
      } else if (s.statusCode() == SpanView.STATUS_ERROR) {
        sessionOutcome = "error";
      } else if (Values.flag(a, k.at(Key.HERMES_SESSION_COMPLETED))) {
        sessionOutcome = "completed";
      }
    }

    return new AgentSpan(
        role,
        convention,
        s.traceIdHigh(),
        s.traceIdLow(),
        s.spanId(),
        s.hasParent() ? s.parentSpanId() : 0,
        sessionKey,
        s.startTimeUnixNano(),
        s.endTimeUnixNano(),
        error,
        errorType,
        model,
        provider,
        input,
        output,
        cacheRead,
        cacheWrite,
        reasoning,
        reportedCost,
        finishReason,
        toolName,
        toolStatus,
        platform,
        turnIndex,
        service,
        sessionOutcome,
        corrected,
        userMessage,
        toolArgs,
        toolResult,
        toolArgsHash);
  }

  /** Attribute {@code i} as text cut to {@link #maxContentBytes} on a character boundary. */
  private String content(Attributes a, int i) {
    if (!Values.nonEmptyString(a, i)) {
      return null;
    }
    byte[] b = a.buffer();
    int off = a.valueOffset(i);
    int len = Math.min(a.valueLength(i), maxContentBytes);
    if (len < a.valueLength(i)) {
      while (len > 0 && (b[off + len] & 0xC0) == 0x80) {
        len--; // not inside a UTF-8 sequence
      }
    }
    return new String(b, off, len, StandardCharsets.UTF_8);
  }

  private boolean inputIncludesCache(Convention c) {
    CacheSemantics cs = cacheSemantics.getOrDefault(c, CacheSemantics.AUTO);
    if (cs == CacheSemantics.AUTO) {
      return c != Convention.HERMES;
    }
    return cs == CacheSemantics.TRUE;
  }

  private String sessionKey(Attributes a, KeyIndex k) {
    for (Key key : SESSION_KEYS) {
      int i = k.at(key);
      if (i < 0) {
        continue;
      }
      if (Values.nonEmptyString(a, i)) {
        return sessionKeys.get(
            a.buffer(), a.valueOffset(i), Math.min(MAX_SESSION_KEY_BYTES, a.valueLength(i)));
      }
      if (a.type(i) == ValueType.INT) {
        return Long.toString(a.longValue(i));
      }
    }
    return null;
  }

  private static String name(Attributes a, KeyIndex k, Key[] keyList, NameCache cache) {
    for (Key key : keyList) {
      int i = k.at(key);
      if (Values.nonEmptyString(a, i)) {
        return cache.get(a.buffer(), a.valueOffset(i), a.valueLength(i));
      }
    }
    return null;
  }

  private String provider(Attributes a, KeyIndex k) {
    for (Key key : PROVIDER_KEYS) {
      int i = k.at(key);
      if (!Values.nonEmptyString(a, i)) {
        continue;
      }
      if (key == Key.GEN_AI_SYSTEM && Values.is(a, i, HERMES_AGENT)) {
        continue; // the reference plugin writes this constant there; the provider is elsewhere
      }
      return providers.get(a.buffer(), a.valueOffset(i), a.valueLength(i));
    }
    return null;
  }

  private String toolName(Attributes a, KeyIndex k, SpanView s) {
    String n = name(a, k, TOOL_KEYS, tools);
    if (n != null) {
      return n;
    }
    int entity = k.at(Key.TRACELOOP_ENTITY_NAME);
    if (Values.nonEmptyString(a, entity)
        && Values.is(a, k.at(Key.TRACELOOP_SPAN_KIND), TRACELOOP_TOOL)) {
      return tools.get(a.buffer(), a.valueOffset(entity), a.valueLength(entity));
    }
    for (byte[] prefix : TOOL_NAME_PREFIXES) {
      if (s.nameStartsWith(prefix) && s.nameLength() > prefix.length) {
        return tools.get(
            s.buffer(), s.nameOffset() + prefix.length, s.nameLength() - prefix.length);
      }
    }
    if (nameEndsWith(s, DOT_TOOL) && s.nameLength() > DOT_TOOL.length) {
      return tools.get(s.buffer(), s.nameOffset(), s.nameLength() - DOT_TOOL.length); // OpenLLMetry
    }
    return s.nameLength() > 0
        ? tools.get(s.buffer(), s.nameOffset(), s.nameLength())
        : names.tools.canonical("unknown");
  }

  private static boolean nameEndsWith(SpanView s, byte[] suffix) {
    int n = s.nameLength();
    int from = s.nameOffset() + n - suffix.length;
    return n >= suffix.length
        && java.util.Arrays.equals(
            s.buffer(), from, from + suffix.length, suffix, 0, suffix.length);
  }

  private static String stringOrNull(Attributes a, int i) {
    if (i < 0 || a.type(i) != ValueType.STRING) {
      return null;
    }
    return new String(a.buffer(), a.valueOffset(i), a.valueLength(i), StandardCharsets.UTF_8);
  }
}
