package hermes.collector;

import hermes.collector.config.CollectorConfig;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestMetrics;
import hermes.collector.ingest.SpanSink;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.server.AdminServer;
import hermes.collector.server.EventLoops;
import hermes.collector.server.HttpListener;
import hermes.collector.server.OtlpGrpcServer;
import hermes.collector.server.OtlpHttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.hotspot.DefaultExports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private HttpListener admin;
  private OtlpGrpcServer grpc;
  private HttpListener http;

  private Collector(CollectorConfig config) {
    this.config = config;
    this.registry = new CollectorRegistry(true);
    this.loops = new EventLoops(0);
  }

  /**
   * Starts every listener; on failure stops what was started and rethrows.
   *
   * @param sink where decoded spans go
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

  private void startListeners(SpanSink sink) throws IOException {
    DefaultExports.register(registry);
    CollectorConfig.Otlp otlp = config.otlp();
    Ingest ingest =
        new Ingest(
            new ReaderLimits(otlp.maxAttributeDepth(), otlp.maxAttributesPerSpan()),
            sink,
            new IngestMetrics(registry));
    admin = AdminServer.bind(config.admin().endpoint(), loops, registry, ready::get);
    log.info("admin listening on {} (GET /metrics, /healthz, /readyz)", show(admin.address()));
    grpc = OtlpGrpcServer.start(otlp.grpcEndpoint(), ingest, otlp.maxRequestBytes());
    log.info("OTLP/gRPC listening on {}", show(grpc.address()));
    http =
        OtlpHttpServer.bind(
            otlp.httpEndpoint(), loops, ingest, otlp.maxRequestBytes(), otlp.retryAfterSeconds());
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
    if (admin != null) {
      admin.close();
    }
    Duration left = config.shutdownGracePeriod().minusNanos(System.nanoTime() - started);
    loops.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    log.info("stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
  }
}
