package hermes.collector;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigException;
import hermes.collector.cost.Pricing;
import hermes.collector.cost.PricingException;
import hermes.collector.forward.TraceForwarder;
import hermes.collector.guard.GuardWebhook;
import hermes.collector.ingest.ExportResult;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.MetricsSink;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.ingest.TraceFanOut;
import hermes.collector.metrics.AgentMetrics;
import hermes.collector.metrics.OtlpMetricsBridge;
import hermes.collector.metrics.Telemetry;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.server.AdminServer;
import hermes.collector.server.EventLoops;
import hermes.collector.server.HttpListener;
import hermes.collector.server.ListenerInstrumentation;
import hermes.collector.server.OtlpGrpcServer;
import hermes.collector.server.OtlpHttpServer;
import hermes.collector.server.Security;
import hermes.collector.server.SessionStream;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.FanOutListener;
import hermes.collector.session.GuardLimits;
import hermes.collector.session.SessionAssembler;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
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
 * try (Collector c = Collector.start(config, TraceConsumer.DISCARD)) {
 *   int httpPort = c.httpAddress().getPort();
 * }
 * }</pre>
 */
public final class Collector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Collector.class);

  private final CollectorConfig config;
  private final Telemetry telemetry; // the one place every part's telemetry is registered
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
  private SessionStream sessionStream;
  private MetricsSink metricsSink = MetricsSink.NONE;
  private TraceForwarder forwarder;
  private Security security;
  private GuardWebhook guardWebhook;
  private AssemblyListener listeners;

  private Collector(CollectorConfig config) {
    this.config = config;
    this.telemetry = new Telemetry();
    this.registry = telemetry.registry();
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
  public static Collector start(CollectorConfig config, TraceConsumer sink) throws IOException {
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
    CollectorConfig.Admin ac = config.admin();
    sessionStream =
        new SessionStream(
            ac.maxStreamSubscribers(),
            ac.streamBufferBytes(),
            ac.streamQueueEvents(),
            Duration.ofSeconds(15));
    telemetry.stream(sessionStream);
    agentMetrics = telemetry.agent(config.metrics().maxLabelValues());
    CollectorConfig.GuardWebhook gw = config.guardWebhook();
    if (gw.url() != null) {
      guardWebhook = GuardWebhook.start(gw, telemetry.guardWebhook());
      log.info(
          "posting guard trips to {}://{}{}",
          gw.url().getScheme(),
          gw.url().getHost() + (gw.url().getPort() < 0 ? "" : ":" + gw.url().getPort()),
          gw.secretFile() == null ? " (unsigned)" : " (signed)");
    }
    // Events flow one way: the assembler tells its listeners; none of them reads it back.
    listeners =
        guardWebhook == null
            ? FanOutListener.of(agentMetrics, sessionStream)
            : FanOutListener.of(agentMetrics, sessionStream, guardWebhook);
    CollectorConfig.Guards gc = config.guards();
    assembler =
        new SessionAssembler(
            new AssemblyConfig(
                ss.shards(),
                ss.settleDelay(),
                ss.idleTimeout(),
                ss.maxLive(),
                ss.maxSpansPerSession(),
                ss.finishedKept(),
                ss.maxQueuedSpans(),
                ss.rootlessIdleTimeout(),
                ss.maxPendingSpans()),
            GuardLimits.of(
                gc.toolRepeat(),
                gc.turnLlmCalls(),
                gc.sessionLlmCalls(),
                gc.sessionTokens(),
                gc.sessionCostUsd(),
                gc.sessionDuration(),
                gc.maxRunningTurns(),
                gc.maxToolCallsPerTurn()),
            pricing,
            () ->
                new Normalizer(
                    names,
                    sc.includesCache(),
                    corrections,
                    ss.captureContent() ? ss.maxContentBytes() : 0),
            listeners);
    assembler.start();
    CollectorConfig.Metrics mc = config.metrics();
    OtlpMetricsBridge bridge =
        new OtlpMetricsBridge(
            mc.bridgeNamespace(),
            mc.bridgeSeriesTtl().toNanos(),
            mc.bridgeMaxSeries(),
            mc.bridgeMaxLabelValueBytes(),
            config.otlp().maxAttributesPerSpan(),
            System::nanoTime);
    telemetry.bridge(bridge);
    metricsSink =
        request -> {
          OtlpMetricsBridge.Result r = bridge.accept(request);
          return r.rejected() == 0
              ? ExportResult.ALL_ACCEPTED
              : new ExportResult(r.rejected(), r.message());
        };
    telemetry.pipeline(assembler, names, pricing, corrections);
  }

  /**
   * The assembler's listeners: the agent metrics and the session event stream. (The smallest
   * wiring; a listener fan-out in the assembler replaces it.)
   */
  private void startListeners(TraceConsumer sink) throws IOException {
    telemetry.jvm();
    CollectorConfig.Forward fw = config.forward();
    if (fw.endpoint() != null) {
      forwarder = new TraceForwarder(fw, telemetry.forwarder());
      forwarder.start();
      log.info("forwarding traces to {} ({})", fw.endpoint(), fw.protocol());
    }
    CollectorConfig.Otlp otlp = config.otlp();
    security = Security.load(config.security(), config.admin().apiToken(), telemetry.security());
    Ingest ingest =
        new Ingest(
            new ReaderLimits(otlp.maxAttributeDepth(), otlp.maxAttributesPerSpan()),
            forwarder == null ? sink : TraceFanOut.of(sink, forwarder), // the spool commits first
            metricsSink,
            new Ingest.MetricsBounds(
                config.metrics().bridgeMaxPointsPerRequest(),
                config.metrics().bridgeMaxAttributesPerRequest(),
                config.metrics().bridgeMaxMessagesPerRequest()),
            telemetry.ingest());
    ListenerInstrumentation listenerMetrics = telemetry.listeners();
    admin =
        AdminServer.bind(
            config.admin().endpoint(),
            adminLoops,
            telemetry.exposition(),
            ready::get,
            assembler,
            pricing,
            agentMetrics,
            config.admin().connections(),
            listenerMetrics,
            security,
            sessionStream,
            config.admin().jaegerUrl());
    log.info(
        "admin listening on {} (explorer at /, GET /metrics, /healthz, /readyz, /api/...){}",
        show(admin.address()),
        security.adminTls() ? " with TLS" : "");
    grpc =
        OtlpGrpcServer.start(
            otlp.grpcEndpoint(),
            ingest,
            telemetry.grpcGuards(),
            new OtlpGrpcServer.Limits(
                otlp.maxRequestBytes(),
                otlp.grpcMaxConcurrentStreams(),
                otlp.grpcMaxInFlightBytes(),
                otlp.grpcMaxConnections()),
            security);
    log.info("OTLP/gRPC listening on {}{}", show(grpc.address()), security.describeOtlp());
    http =
        OtlpHttpServer.bind(
            otlp.httpEndpoint(),
            loops,
            ingest,
            otlp.maxRequestBytes(),
            otlp.retryAfterSeconds(),
            otlp.httpMaxInFlightBytes(),
            otlp.httpConnections(),
            listenerMetrics,
            security);
    log.info(
        "OTLP/HTTP listening on {} (POST /v1/traces, /v1/metrics, /v1/logs){}",
        show(http.address()),
        security.describeOtlp());
    warnIfOpen("OTLP/gRPC", grpc.address(), security.otlpTls(), security.otlpAuth());
    warnIfOpen("OTLP/HTTP", http.address(), security.otlpTls(), security.otlpAuth());
    ready.set(true);
  }

  /** A receiver reachable from other hosts with neither TLS nor authentication is worth a line. */
  private static void warnIfOpen(String name, InetSocketAddress a, boolean tls, boolean auth) {
    String warning = openReceiverWarning(name, a, tls, auth);
    if (warning != null) {
      log.warn(warning);
    }
  }

  /** The startup warning for a receiver bound to {@code a}, or null when it is not open. */
  static String openReceiverWarning(String name, InetSocketAddress a, boolean tls, boolean auth) {
    if (a.getAddress().isLoopbackAddress() || tls || auth) {
      return null;
    }
    return name
        + " listens on "
        + show(a)
        + ", reachable from other hosts, with neither TLS nor authentication: anyone who can"
        + " reach it can write telemetry (set otlp.tls.* and otlp.auth.bearer_token_file, or bind"
        + " 127.0.0.1; see README, Security)";
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

  /**
   * The assembler's listeners as one (metrics, event stream, guard webhook), or null when started
   * with a custom sink: for tests that fire session events through the whole chain.
   */
  AssemblyListener listeners() {
    return listeners;
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
    if (guardWebhook != null) {
      // After the assembler: it trips no more. Sends what is queued within the grace left.
      Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
      guardWebhook.close(left.isNegative() ? Duration.ofMillis(1) : left);
    }
    if (forwarder != null) {
      Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
      forwarder.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    }
    if (pricing != null) {
      pricing.close();
    }
    if (sessionStream != null) {
      sessionStream.close(); // ends the event streams, which would keep the admin port busy
    }
    if (admin != null) {
      admin.close();
    }
    if (security != null) {
      security.close();
    }
    Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
    loops.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    adminLoops.shutdown(Duration.ofMillis(100)); // nothing of value is in flight on the admin port
    log.info("stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
  }
}
