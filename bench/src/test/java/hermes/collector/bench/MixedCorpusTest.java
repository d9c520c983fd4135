package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.SessionAssembler;
import hermes.collector.session.SessionRecord;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The mixed corpus is what it claims: the collector reads every convention in it as agent sessions,
 * with every LLM and tool call of each agent counted (a corpus it misread would make the benchmarks
 * measure the wrong thing).
 */
class MixedCorpusTest {
  @Test
  void everyConventionIsReadAsSessionsWithAllTheirCalls() throws Exception {
    int sessions = 50;
    List<ExportTraceServiceRequest> corpus = MixedCorpus.sessions(7, sessions, 512);
    Map<String, long[]> expected = new HashMap<>(); // service -> {llm, tool}
    corpus.forEach(
        r ->
            r.getResourceSpansList()
                .forEach(
                    rs -> {
                      String service =
                          rs.getResource().getAttributesList().get(0).getValue().getStringValue();
                      long[] n = expected.computeIfAbsent(service, k -> new long[2]);
                      rs.getScopeSpansList()
                          .forEach(ss -> ss.getSpansList().forEach(s -> count(s, n)));
                    }));
    assertThat(expected).hasSize(5);

    Names names = new Names(4096);
    try (SessionAssembler assembler =
        new SessionAssembler(
            new AssemblyConfig(
                2, Duration.ofMillis(20), Duration.ofMillis(300), 10_000, 10_000, 1000, 1 << 20),
            Pricing.load(null, Duration.ZERO),
            () -> new Normalizer(names, Map.of(), new LongAdder()),
            new AssemblyListener() {})) {
      assembler.start();
      Ingest ingest = new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
      for (ExportTraceServiceRequest r : corpus) {
        ingest.traces(r.toByteArray(), Encoding.PROTOBUF, Protocol.GRPC);
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      List<SessionRecord> done = assembler.sessions(false, 10_000);
      while (done.size() < sessions && System.nanoTime() < deadline) {
        Thread.sleep(100);
        done = assembler.sessions(false, 10_000);
      }
      assertThat(done).hasSize(sessions);
      Map<String, long[]> seen = new HashMap<>();
      for (SessionRecord s : done) {
        long[] n = seen.computeIfAbsent(s.service(), k -> new long[2]);
        n[0] += s.totals().llmCalls();
        n[1] += s.totals().toolCalls();
        assertThat(s.turnCount()).as(s.service()).isPositive();
        assertThat(s.totals().inputTokens()).as(s.service()).isPositive();
      }
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        assertThat(seen.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
      }
    }
  }

  /** LLM spans have a model; tool spans are named after a corpus tool. */
  private static void count(Span s, long[] n) {
    for (KeyValue kv : s.getAttributesList()) {
      String k = kv.getKey();
      if (k.equals("gen_ai.request.model") || k.equals("llm.model_name")) {
        n[0]++;
        return;
      }
    }
    for (String tool : HermesCorpus.TOOLS) {
      if (s.getName().contains(tool)) {
        n[1]++;
        return;
      }
    }
  }
}
