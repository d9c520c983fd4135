package hermes.collector.metrics;

import hermes.collector.cost.Pricing;
import hermes.collector.forward.ForwarderInstrumentation;
import hermes.collector.guard.WebhookInstrumentation;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.semconv.Names;
import hermes.collector.server.GrpcGuardInstrumentation;
import hermes.collector.server.ListenerInstrumentation;
import hermes.collector.server.SecurityInstrumentation;
import hermes.collector.server.SessionStream;
import hermes.collector.session.SessionAssembler;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.hotspot.DefaultExports;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one place the collector's telemetry is registered and rendered: each component reports to its
 * own small instrumentation interface ({@link IngestInstrumentation}, {@link
 * ForwarderInstrumentation}, {@link ListenerInstrumentation}, {@link GrpcGuardInstrumentation},
 * {@link SecurityInstrumentation}) or exposes the state it keeps anyway ({@link SessionStream},
 * {@link SessionAssembler}); the Prometheus implementations here turn them into the families of the
 * metric contract, in the one {@link CollectorRegistry} {@code GET /metrics} serves through {@link
 * Exposition}. The agent metrics and the OTLP metrics bridge, which are Prometheus renderers by
 * nature, are registered here too. simpleclient stays the exposition library.
 *
 * <p>Threading: the factory methods are called while the collector is wired, from one thread; each
 * registers its families once (a second call for the same part throws, as the registry refuses
 * duplicate names). What they return is safe for concurrent use.
 */
public final class Telemetry {
  private final CollectorRegistry registry = new CollectorRegistry(true);
  private final Exposition exposition = new Exposition(registry);

  /** The registry {@code /metrics} renders. */
  public CollectorRegistry registry() {
    return registry;
  }

  /** How {@code GET /metrics} and the explorer's overview read what is registered here. */
  public Exposition exposition() {
    return exposition;
  }

  /** The JVM's own metrics ({@code jvm_*}, {@code process_*}). */
  public void jvm() {
    DefaultExports.register(registry);
  }

  /** Where the receivers report ({@code hermes_collector_requests_total} and the rest). */
  public IngestInstrumentation ingest() {
    return new IngestMetrics(registry);
  }

  /** Where the HTTP listeners report their connections. */
  public ListenerInstrumentation listeners() {
    return new ListenerMetrics(registry);
  }

  /** Where the OTLP/gRPC receiver's guards report. */
  public GrpcGuardInstrumentation grpcGuards() {
    return new GrpcGuardMetrics(registry);
  }

  /** Where TLS handshake failures and credential reloads are reported. */
  public SecurityInstrumentation security() {
    return new SecurityMetrics(registry);
  }

  /** Where the forwarder reports ({@code hermes_collector_forward_*}, spool, drops). */
  public ForwarderInstrumentation forwarder() {
    ForwarderMetrics m = new ForwarderMetrics();
    registry.register(m);
    return m;
  }

  /** Where the guard webhook reports ({@code hermes_collector_guard_webhook_*}). */
  public WebhookInstrumentation guardWebhook() {
    GuardWebhookMetrics m = new GuardWebhookMetrics();
    registry.register(m);
    return m;
  }

  /** The session event stream's counters, read at each scrape. */
  public void stream(SessionStream stream) {
    registry.register(new StreamMetrics(stream));
  }

  /**
   * The agent metrics (section A of the contract), an assembly listener.
   *
   * @param maxLabelValues {@code metrics.max_label_values}
   */
  public AgentMetrics agent(int maxLabelValues) {
    AgentMetrics m = new AgentMetrics(maxLabelValues, Map.of());
    registry.register(m);
    return m;
  }

  /** The bridge re-exposing the agent's own OTLP metrics (section B of the contract). */
  public OtlpMetricsBridge bridge(OtlpMetricsBridge bridge) {
    registry.register(bridge);
    return bridge;
  }

  /** The agent model's counters and gauges, read at each scrape. */
  public void pipeline(
      SessionAssembler assembler, Names names, Pricing pricing, LongAdder tokenCorrections) {
    registry.register(new PipelineMetrics(assembler, names, pricing, tokenCorrections));
  }
}
