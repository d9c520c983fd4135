package hermes.collector;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigException;
import hermes.collector.cost.Pricing;
import hermes.collector.cost.PricingException;
import hermes.collector.forward.TraceForwarder;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestMetrics;
import hermes.collector.ingest.MetricsSink;
import hermes.collector.ingest.SpanSink;
import hermes.collector.metrics.AgentMetrics;
import hermes.collector.metrics.ForwarderMetrics;
import hermes.collector.metrics.OtlpMetricsBridge;
import hermes.collector.metrics.PipelineMetrics;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.server.AdminServer;
import hermes.collector.server.EventLoops;
import hermes.collector.server.HttpListener;
import hermes.collector.server.ListenerMetrics;
import hermes.collector.server.OtlpGrpcServer;
import hermes.collector.server.OtlpHttpServer;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.SessionAssembler;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the collector from its configuration and owns its lifecycle: starts the admin port, the
 * OTLP/gRPC and OTLP/HTTP receivers, and stops them in the reverse order.
 *
 * <p>Threading: {@link #start} and {@link #close} from any thread, close at most once effective.
 * Each instance has its own metrics registry, so several can run in one JVM (tests do).
 *
 * <pre>{@code
 * try (Collector c = Collector.start(config, SpanSink.DISCARD)) {
 *   int httpPort = c.httpAddress().getPort();
 * }
 * }</pre>
 */
public final class Collector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Collector.class);

  private final CollectorConfig config;
  private final CollectorRegistry registry;
  private final EventLoops loops;
  private final EventLoops adminLoops; // its own, so /healthz and /metrics answer under OTLP floods
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private HttpListener admin;
  private OtlpGrpcServer grpc;
  private HttpListener http;
  private Pricing pricing;
  private SessionAssembler assembler;
  private AgentMetrics agentMetrics;
  private MetricsSink metricsSink = MetricsSink.NONE;
  private TraceForwarder forwarder;

  private Collector(CollectorConfig config) {
    this.config = config;
    this.registry = new CollectorRegistry(true);
    this.loops = new EventLoops(0);
    this.adminLoops = new EventLoops(1);
  }

  /**
   * Starts the whole collector: the agent model (pricing, session assembly, sessions API) and every
   * listener; on failure stops what was started and rethrows.
   *
   * @throws IOException naming the listener and address that could not be bound
   * @throws ConfigException when the price table cannot be loaded
   */
  public static Collector start(CollectorConfig config) throws IOException, ConfigException {
    Objects.requireNonNull(config, "config");
    Collector c = new Collector(config);
    try {
      c.startAgentModel();
      c.startListeners(c.assembler);
    } catch (IOException | ConfigException | RuntimeException e) {
      // The cause first: the operator reads it before the lines of the stop it triggers.
      log.error("cannot start: {}", e.getMessage());
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Starts the receivers only, feeding {@code sink} instead of the agent model (no sessions API).
   *
   * @throws IOException naming the listener and address that could not be bound
   */
  public static Collector start(CollectorConfig config, SpanSink sink) throws IOException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(sink, "sink");
    Collector c = new Collector(config);
    try {
      c.startListeners(sink);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void startAgentModel() throws ConfigException {
    CollectorConfig.Pricing pc = config.pricing();
    try {
      pricing = Pricing.load(pc.file(), pc.reloadInterval());
    } catch (PricingException e) {
      throw new ConfigException("pricing.file: " + e.getMessage());
    }
    CollectorConfig.Semconv sc = config.semconv();
    Names names = new Names(sc.maxNames(), sc.maxNameBytes());
    LongAdder corrections = new LongAdder();
    CollectorConfig.Sessions ss = config.sessions();
    SessionAssembler[] self = new SessionAssembler[1];
    agentMetrics =
        new AgentMetrics(
            config.metrics().maxLabelValues(),
            Map.of(),
            () -> self[0] == null ? Map.of() : self[0].liveSessionsByService());
    assembler =
        new SessionAssembler(
            new AssemblyConfig(
                ss.shards(),
                ss.settleDelay(),
                ss.idleTimeout(),
                ss.maxLive(),
                ss.maxSpansPerSession(),
                ss.finishedKept(),
                ss.maxQueuedSpans()),
            pricing,
            () -> new Normalizer(names, sc.includesCache(), corrections),
            agentMetrics);
    self[0] = assembler;
    assembler.start();
    registry.register(agentMetrics);
    CollectorConfig.Metrics mc = config.metrics();
    OtlpMetricsBridge bridge =
        new OtlpMetricsBridge(
            mc.bridgeNamespace(),
            mc.bridgeSeriesTtl().toNanos(),
            mc.bridgeMaxSeries(),
            mc.bridgeMaxLabelValueBytes(),
            System::nanoTime);
    registry.register(bridge);
    metricsSink =
        request -> {
          OtlpMetricsBridge.Result r = bridge.accept(request);
          return r.rejected() == 0
              ? ExportResult.ALL_ACCEPTED
              : new ExportResult(r.rejected(), r.message());
        };
    registry.register(new PipelineMetrics(assembler, names, pricing, corrections));
  }

  private void startListeners(SpanSink sink) throws IOException {
    DefaultExports.register(registry);
    CollectorConfig.Forward fw = config.forward();
    if (fw.endpoint() != null) {
      ForwarderMetrics forwarderMetrics = new ForwarderMetrics();
      forwarder = new TraceForwarder(fw, forwarderMetrics);
      forwarder.start();
      registry.register(forwarderMetrics);
      log.info("forwarding traces to {} ({})", fw.endpoint(), fw.protocol());
    }
    CollectorConfig.Otlp otlp = config.otlp();
    Ingest ingest =
        new Ingest(
            new ReaderLimits(otlp.maxAttributeDepth(), otlp.maxAttributesPerSpan()),
            sink,
            metricsSink,
            forwarder,
            new IngestMetrics(registry));
    ListenerMetrics listenerMetrics = new ListenerMetrics(registry);
    admin =
        AdminServer.bind(
            config.admin().endpoint(),
            adminLoops,
            registry,
            ready::get,
            assembler,
            pricing,
            agentMetrics,
            config.admin().apiToken(),
            config.admin().connections(),
            listenerMetrics);
    log.info("admin listening on {} (GET /metrics, /healthz, /readyz)", show(admin.address()));
    grpc =
        OtlpGrpcServer.start(
            otlp.grpcEndpoint(), ingest, otlp.maxRequestBytes(), otlp.grpcMaxConcurrentStreams());
    log.info("OTLP/gRPC listening on {}", show(grpc.address()));
    http =
        OtlpHttpServer.bind(
            otlp.httpEndpoint(),
            loops,
            ingest,
            otlp.maxRequestBytes(),
            otlp.retryAfterSeconds(),
            otlp.httpMaxInFlightBytes(),
            otlp.httpConnections(),
            listenerMetrics);
    log.info(
        "OTLP/HTTP listening on {} (POST /v1/traces, /v1/metrics, /v1/logs)", show(http.address()));
    ready.set(true);
  }

  private static String show(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /** The bound OTLP/HTTP address. */
  public InetSocketAddress httpAddress() {
    return http.address();
  }

  /** The bound OTLP/gRPC address. */
  public InetSocketAddress grpcAddress() {
    return grpc.address();
  }

  /** The bound admin address. */
  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** The session assembler, or null when started with a custom sink. */
  public SessionAssembler assembler() {
    return assembler;
  }

  /** The registry {@code /metrics} renders. */
  public CollectorRegistry registry() {
    return registry;
  }

  /** Whether every listener is bound and the collector is not stopping. */
  public boolean ready() {
    return ready.get();
  }

  /**
   * Stops within the configured grace period: not ready, stop accepting, let in-flight requests
   * finish, close connections.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ready.set(false);
    long started = System.nanoTime();
    if (http != null) {
      http.close();
    }
    if (grpc != null) {
      grpc.shutdown(config.shutdownGracePeriod());
    }
    if (assembler != null) {
      assembler.close(); // finalizes the turns still settling, so their metrics are not lost
    }
    if (forwarder != null) {
      Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
      forwarder.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    }
    if (pricing != null) {
      pricing.close();
    }
    if (admin != null) {
      admin.close();
    }
    Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
    loops.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    adminLoops.shutdown(Duration.ofMillis(100)); // nothing of value is in flight on the admin port
    log.info("stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
  }
}
