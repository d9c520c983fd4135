package hermes.collector.bench;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Export requests from agents of every convention the collector reads, interleaved as a collector
 * shared by several agents would receive them: the reference hermes plugin (one trace per session),
 * OTel GenAI ({@code invoke_agent} -> {@code chat} / {@code execute_tool}, one trace per turn,
 * {@code gen_ai.conversation.id}), OpenInference (AGENT -> LLM / TOOL, {@code session.id}, {@code
 * llm.token_count.*}), OpenLLMetry (workflow -> task -> {@code openai.chat} with the legacy {@code
 * gen_ai.usage.prompt_tokens}) and a mixed plugin (OpenInference kinds with {@code gen_ai.usage.*}
 * keys). Each agent's spans go out children first, up to {@code batch} per request, one resource
 * per agent. Deterministic for a seed; session ids are hex, so {@link Rekeyer} can make the corpus
 * endless.
 */
public final class MixedCorpus {
  private static final String[] SERVICES = {
    "hermes-agent", "genai-agent", "phoenix-agent", "traceloop-agent", "mixed-agent"
  };

  private MixedCorpus() {}

  /**
   * Serialized requests of exactly {@code batch} spans each, {@code spans / batch} of them (the
   * sessions cut at the end are dropped with the last partial request).
   */
  public static List<byte[]> requests(long seed, int spans, int batch) {
    int sessions = Math.max(1, spans / 20);
    List<ExportTraceServiceRequest> all;
    while ((all = sessions(seed, sessions, batch)).size() <= spans / batch) {
      sessions *= 2;
    }
    List<byte[]> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : all.subList(0, spans / batch)) {
      out.add(r.toByteArray());
    }
    return out;
  }

  /** The requests of {@code sessions} sessions, one convention after another. */
  public static List<ExportTraceServiceRequest> sessions(long seed, int sessions, int batch) {
    Random r = new Random(seed);
    List<Span> spans = new ArrayList<>();
    List<Integer> agents = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      int agent = i % SERVICES.length;
      int before = spans.size();
      switch (agent) {
        case 0 -> HermesCorpus.session(r, spans);
        case 1 -> genAi(r, spans);
        case 2 -> openInference(r, spans, false);
        case 3 -> openLlmetry(r, spans);
        default -> openInference(r, spans, true);
      }
      for (int k = before; k < spans.size(); k++) {
        agents.add(agent);
      }
    }
    List<ExportTraceServiceRequest> out = new ArrayList<>();
    for (int i = 0; i < spans.size(); i += batch) {
      int end = Math.min(spans.size(), i + batch);
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      for (int from = i; from < end; ) {
        int agent = agents.get(from);
        int to = from;
        while (to < end && agents.get(to) == agent) {
          to++;
        }
        request.addResourceSpans(resource(SERVICES[agent], spans.subList(from, to)));
        from = to;
      }
      out.add(request.build());
    }
    return out;
  }

  private static ResourceSpans resource(String service, List<Span> spans) {
    return ResourceSpans.newBuilder()
        .setResource(
            Resource.newBuilder()
                .addAttributes(HermesCorpus.kv("service.name", service))
                .addAttributes(HermesCorpus.kv("telemetry.sdk.language", "python")))
        .addScopeSpans(
            ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(service + "-instrumentation"))
                .addAllSpans(spans))
        .build();
  }

  /** OTel GenAI: per turn a trace, {@code invoke_agent} root with the conversation id. */
  private static void genAi(Random r, List<Span> out) {
    String conversation = String.format("%016x", r.nextLong());
    long t = start(r);
    for (int turn = 0, turns = 1 + r.nextInt(8); turn < turns; turn++) {
      Turn tr = new Turn(r, t);
      for (int c = 0, calls = 1 + r.nextInt(4); c < calls; c++) {
        int m = r.nextInt(HermesCorpus.MODELS.length);
        int cacheRead = r.nextInt(3000);
        boolean last = c == calls - 1;
        out.add(
            tr.child("chat " + HermesCorpus.MODELS[m], Span.SpanKind.SPAN_KIND_CLIENT, dur(r))
                .addAttributes(HermesCorpus.kv("gen_ai.operation.name", "chat"))
                .addAttributes(HermesCorpus.kv("gen_ai.conversation.id", conversation))
                .addAttributes(HermesCorpus.kv("gen_ai.request.model", HermesCorpus.MODELS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.response.model", HermesCorpus.MODELS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.provider.name", HermesCorpus.PROVIDERS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.usage.input_tokens", cacheRead + 500))
                .addAttributes(HermesCorpus.kv("gen_ai.usage.cache_read.input_tokens", cacheRead))
                .addAttributes(HermesCorpus.kv("gen_ai.usage.output_tokens", 20 + r.nextInt(1500)))
                .addAttributes(finishReasons(last ? "stop" : "tool_calls"))
                .build());
        if (!last) {
          String tool = HermesCorpus.TOOLS[r.nextInt(HermesCorpus.TOOLS.length)];
          out.add(
              tr.child("execute_tool " + tool, Span.SpanKind.SPAN_KIND_INTERNAL, toolDur(r))
                  .addAttributes(HermesCorpus.kv("gen_ai.operation.name", "execute_tool"))
                  .addAttributes(HermesCorpus.kv("gen_ai.tool.name", tool))
                  .addAttributes(HermesCorpus.kv("gen_ai.conversation.id", conversation))
                  .build());
        }
      }
      out.add(
          tr.root("invoke_agent assistant")
              .addAttributes(HermesCorpus.kv("gen_ai.operation.name", "invoke_agent"))
              .addAttributes(HermesCorpus.kv("gen_ai.agent.name", "assistant"))
              .addAttributes(HermesCorpus.kv("gen_ai.conversation.id", conversation))
              .build());
      t = tr.end + 2_000_000_000L;
    }
  }

  /**
   * OpenInference: per turn a trace, AGENT root, {@code session.id} on every span; {@code mixed}
   * writes the usage with {@code gen_ai.*} keys, as some hermes plugins do.
   */
  private static void openInference(Random r, List<Span> out, boolean mixed) {
    String session = String.format("%016x", r.nextLong());
    long t = start(r);
    for (int turn = 0, turns = 1 + r.nextInt(8); turn < turns; turn++) {
      Turn tr = new Turn(r, t);
      for (int c = 0, calls = 1 + r.nextInt(4); c < calls; c++) {
        int m = r.nextInt(HermesCorpus.MODELS.length);
        int prompt = 300 + r.nextInt(5000);
        int completion = 20 + r.nextInt(1500);
        Span.Builder llm =
            tr.child("ChatCompletion", Span.SpanKind.SPAN_KIND_INTERNAL, dur(r))
                .addAttributes(HermesCorpus.kv("openinference.span.kind", "LLM"))
                .addAttributes(HermesCorpus.kv("session.id", session))
                .addAttributes(HermesCorpus.kv("llm.model_name", HermesCorpus.MODELS[m]))
                .addAttributes(HermesCorpus.kv("llm.provider", HermesCorpus.PROVIDERS[m]));
        if (mixed) {
          llm.addAttributes(HermesCorpus.kv("gen_ai.usage.input_tokens", prompt))
              .addAttributes(HermesCorpus.kv("gen_ai.usage.output_tokens", completion));
        } else {
          llm.addAttributes(HermesCorpus.kv("llm.token_count.prompt", prompt))
              .addAttributes(HermesCorpus.kv("llm.token_count.completion", completion))
              .addAttributes(
                  HermesCorpus.kv("llm.token_count.prompt_details.cache_read", prompt / 3))
              .addAttributes(HermesCorpus.kv("llm.token_count.total", prompt + completion));
        }
        out.add(llm.build());
        if (c < calls - 1) {
          String tool = HermesCorpus.TOOLS[r.nextInt(HermesCorpus.TOOLS.length)];
          out.add(
              tr.child(tool, Span.SpanKind.SPAN_KIND_INTERNAL, toolDur(r))
                  .addAttributes(HermesCorpus.kv("openinference.span.kind", "TOOL"))
                  .addAttributes(HermesCorpus.kv("tool.name", tool))
                  .addAttributes(HermesCorpus.kv("session.id", session))
                  .build());
        }
      }
      out.add(
          tr.root("agent.run")
              .addAttributes(HermesCorpus.kv("openinference.span.kind", "AGENT"))
              .addAttributes(HermesCorpus.kv("session.id", session))
              .build());
      t = tr.end + 2_000_000_000L;
    }
  }

  /** OpenLLMetry: per turn a trace, workflow -> task -> {@code openai.chat} and tools. */
  private static void openLlmetry(Random r, List<Span> out) {
    String session = String.format("%016x", r.nextLong());
    String sessionKey = "traceloop.association.properties.session_id";
    long t = start(r);
    for (int turn = 0, turns = 1 + r.nextInt(8); turn < turns; turn++) {
      Turn tr = new Turn(r, t);
      Turn.Node task = tr.node("answer.task");
      for (int c = 0, calls = 1 + r.nextInt(4); c < calls; c++) {
        int m = r.nextInt(HermesCorpus.MODELS.length);
        out.add(
            task.child("openai.chat", Span.SpanKind.SPAN_KIND_CLIENT, dur(r))
                .addAttributes(HermesCorpus.kv("llm.request.type", "chat"))
                .addAttributes(HermesCorpus.kv("gen_ai.system", HermesCorpus.PROVIDERS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.request.model", HermesCorpus.MODELS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.response.model", HermesCorpus.MODELS[m]))
                .addAttributes(HermesCorpus.kv("gen_ai.usage.prompt_tokens", 300 + r.nextInt(5000)))
                .addAttributes(
                    HermesCorpus.kv("gen_ai.usage.completion_tokens", 20 + r.nextInt(1500)))
                .addAttributes(HermesCorpus.kv(sessionKey, session))
                .build());
        if (c < calls - 1) {
          String tool = HermesCorpus.TOOLS[r.nextInt(HermesCorpus.TOOLS.length)];
          out.add(
              task.child(tool + ".tool", Span.SpanKind.SPAN_KIND_INTERNAL, toolDur(r))
                  .addAttributes(HermesCorpus.kv("traceloop.span.kind", "tool"))
                  .addAttributes(HermesCorpus.kv("traceloop.entity.name", tool))
                  .addAttributes(HermesCorpus.kv(sessionKey, session))
                  .build());
        }
      }
      out.add(
          task.build()
              .addAttributes(HermesCorpus.kv("traceloop.span.kind", "task"))
              .addAttributes(HermesCorpus.kv(sessionKey, session))
              .build());
      out.add(
          tr.root("answer.workflow")
              .addAttributes(HermesCorpus.kv("traceloop.span.kind", "workflow"))
              .addAttributes(HermesCorpus.kv(sessionKey, session))
              .build());
      t = tr.end + 2_000_000_000L;
    }
  }

  private static long start(Random r) {
    return 1_763_700_000_000_000_000L + r.nextInt(1_000_000) * 1_000_000_000L;
  }

  private static long dur(Random r) {
    return 500_000_000L + r.nextInt(5_000) * 1_000_000L;
  }

  private static long toolDur(Random r) {
    return 10_000_000L + r.nextInt(3_000) * 1_000_000L;
  }

  private static KeyValue finishReasons(String reason) {
    return KeyValue.newBuilder()
        .setKey("gen_ai.response.finish_reasons")
        .setValue(
            AnyValue.newBuilder()
                .setArrayValue(ArrayValue.newBuilder().addValues(HermesCorpus.str(reason))))
        .build();
  }

  /** One trace: a root and its descendants, laid out one after another in time. */
  private static final class Turn {
    final Random r;
    final com.google.protobuf.ByteString trace;
    final com.google.protobuf.ByteString rootId;
    final long start;
    long end;

    Turn(Random r, long start) {
      this.r = r;
      this.trace = HermesCorpus.bytes(16, r);
      this.rootId = HermesCorpus.bytes(8, r);
      this.start = start;
      this.end = start;
    }

    Span.Builder child(String name, Span.SpanKind kind, long duration) {
      return node(name, rootId, kind, duration);
    }

    private Span.Builder node(
        String name, com.google.protobuf.ByteString parent, Span.SpanKind kind, long duration) {
      Span.Builder b =
          Span.newBuilder()
              .setTraceId(trace)
              .setSpanId(HermesCorpus.bytes(8, r))
              .setParentSpanId(parent)
              .setName(name)
              .setKind(kind)
              .setStartTimeUnixNano(end)
              .setEndTimeUnixNano(end + duration);
      end += duration;
      return b;
    }

    Span.Builder root(String name) {
      return Span.newBuilder()
          .setTraceId(trace)
          .setSpanId(rootId)
          .setName(name)
          .setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(start)
          .setEndTimeUnixNano(end);
    }

    /** An intermediate span under the root, whose children come first. */
    Node node(String name) {
      return new Node(name, HermesCorpus.bytes(8, r), end);
    }

    final class Node {
      final String name;
      final com.google.protobuf.ByteString id;
      final long nodeStart;

      Node(String name, com.google.protobuf.ByteString id, long nodeStart) {
        this.name = name;
        this.id = id;
        this.nodeStart = nodeStart;
      }

      Span.Builder child(String childName, Span.SpanKind kind, long duration) {
        return Turn.this.node(childName, id, kind, duration);
      }

      Span.Builder build() {
        return Span.newBuilder()
            .setTraceId(trace)
            .setSpanId(id)
            .setParentSpanId(rootId)
            .setName(name)
            .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
            .setStartTimeUnixNano(nodeStart)
            .setEndTimeUnixNano(end);
      }
    }
  }
}
