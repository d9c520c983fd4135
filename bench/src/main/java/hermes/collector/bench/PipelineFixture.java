package hermes.collector.bench;

import hermes.collector.cost.Pricing;
import hermes.collector.cost.PricingException;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.metrics.AgentMetrics;
import hermes.collector.metrics.IngestMetrics;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.SessionAssembler;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The collector's whole span pipeline in one thread: the ingest entry point (decode, normalize),
 * the session assembler driven inline (trace and session stages, pricing) and the Prometheus agent
 * metrics it records into, wired as {@code Collector} wires them, with the default session
 * settings. The corpus is endless: each pass over it is re-keyed into new traces and sessions.
 *
 * <p>Threading: one benchmark thread.
 */
final class PipelineFixture implements AutoCloseable {
  /** Spans per request: the reference plugin's batch processor sends up to 512. */
  static final int BATCH = 512;

  /** The corpus named by a benchmark parameter: {@code hermes} or {@code mixed}. */
  static List<byte[]> corpus(String name, int spans) {
    switch (name) {
      case "hermes":
        return HermesCorpus.requests(1, spans, BATCH);
      case "mixed":
        return MixedCorpus.requests(1, spans, BATCH);
      default:
        throw new IllegalArgumentException("corpus: hermes or mixed, not " + name);
    }
  }

  private final List<byte[]> requests;
  private final List<Rekeyer> rekeyers = new ArrayList<>();
  private final Ingest ingest;
  private final SessionAssembler assembler;
  private final CollectorRegistry registry = new CollectorRegistry(true);
  private int next;
  private int pass;

  PipelineFixture(List<byte[]> corpus) throws PricingException {
    requests = new ArrayList<>();
    for (byte[] r : corpus) {
      requests.add(r.clone());
      rekeyers.add(Rekeyer.of(r));
    }
    Names names = new Names(4096);
    LongAdder corrections = new LongAdder();
    AgentMetrics metrics = new AgentMetrics(256, Map.of());
    registry.register(metrics);
    assembler =
        new SessionAssembler(
            new AssemblyConfig(
                1,
                Duration.ofMillis(Long.getLong("hermes.bench.settle_ms", 5000)),
                Duration.ofMinutes(30),
                100_000,
                10_000,
                1000,
                Integer.MAX_VALUE),
            Pricing.load(null, Duration.ZERO),
            () -> new Normalizer(names, Map.of(), corrections),
            metrics);
    ingest = new Ingest(ReaderLimits.DEFAULT, assembler, new IngestMetrics(registry));
  }

  /** The next request of the corpus, re-keyed when the corpus starts over. */
  byte[] nextRequest() {
    if (next == requests.size()) {
      next = 0;
      for (int i = 0; i < requests.size(); i++) {
        rekeyers.get(i).rekey(requests.get(i), pass ^ (pass + 1)); // XOR: pass p becomes p + 1
      }
      pass++;
    }
    return requests.get(next++);
  }

  /** Decodes and normalizes one request and hands its spans to the assembler's queues. */
  ExportResult ingest(byte[] request, Encoding encoding)
      throws MalformedOtlpException, PipelineFullException {
    return ingest.traces(request, encoding, Protocol.HTTP);
  }

  /** Assembles everything queued and records the metrics, on this thread. */
  void assemble() {
    assembler.drainInline();
  }

  CollectorRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    assembler.close();
  }
}
