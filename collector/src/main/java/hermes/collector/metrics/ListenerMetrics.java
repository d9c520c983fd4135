package hermes.collector.metrics;

import hermes.collector.server.ListenerInstrumentation;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;

/**
 * The HTTP listeners' (OTLP/HTTP and admin) connection telemetry as Prometheus metrics: open
 * connections, connections refused past the cap, connections closed by a timeout, malformed HTTP
 * requests and connection errors, each labelled by {@code listener}.
 *
 * <p>Threading: safe for concurrent use; the label children of a listener are resolved once by
 * {@link #listener}, so a hit is an add.
 */
public final class ListenerMetrics implements ListenerInstrumentation {
  private final Gauge open;
  private final Counter refused;
  private final Counter timedOut;
  private final Counter malformed;
  private final Counter errors;

  /** Registers the metrics in {@code registry}. */
  public ListenerMetrics(CollectorRegistry registry) {
    open =
        Gauge.build(
                "hermes_collector_connections_open",
                "Open client connections per HTTP listener (at most its max_connections).")
            .labelNames("listener")
            .register(registry);
    refused =
        Counter.build(
                "hermes_collector_connections_refused_total",
                "Connections closed at once because the listener already had max_connections.")
            .labelNames("listener")
            .register(registry);
    timedOut =
        Counter.build(
                "hermes_collector_connections_timed_out_total",
                "Connections closed by a timeout: header (request head not complete in"
                    + " header_timeout), body (no body byte in body_timeout), idle (no request in"
                    + " idle_timeout).")
            .labelNames("listener", "phase")
            .register(registry);
    malformed =
        Counter.build(
                "hermes_collector_http_malformed_requests_total",
                "Requests answered 400 because they are not valid HTTP/1.1 (request line,"
                    + " headers, Content-Length, chunk framing); the connection is closed.")
            .labelNames("listener")
            .register(registry);
    errors =
        Counter.build(
                "hermes_collector_connection_errors_total",
                "Connections ended by an error (io: reset, broken pipe or closed by the client in the"
                    + " middle of a request; decoder; other).")
            .labelNames("listener", "kind")
            .register(registry);
  }

  @Override
  public Listener listener(String name) {
    return new Series(name);
  }

  /** One listener's resolved series. Threading: safe for concurrent use. */
  private final class Series implements Listener {
    private final String name;
    private final Gauge.Child open;
    private final Counter.Child refused;
    private final Counter.Child[] timedOut;
    private final Counter.Child malformed;
    private final Counter.Child[] errors;

    private Series(String name) {
      this.name = name;
      this.open = ListenerMetrics.this.open.labels(name);
      this.refused = ListenerMetrics.this.refused.labels(name);
      this.malformed = ListenerMetrics.this.malformed.labels(name);
      Phase[] phases = Phase.values();
      this.timedOut = new Counter.Child[phases.length];
      for (Phase p : phases) {
        timedOut[p.ordinal()] = ListenerMetrics.this.timedOut.labels(name, p.label());
      }
      ErrorKind[] kinds = ErrorKind.values();
      this.errors = new Counter.Child[kinds.length];
      for (ErrorKind k : kinds) {
        errors[k.ordinal()] = ListenerMetrics.this.errors.labels(name, k.label());
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void opened() {
      open.inc();
    }

    @Override
    public void closed() {
      open.dec();
    }

    @Override
    public void refused() {
      refused.inc();
    }

    @Override
    public void timedOut(Phase phase) {
      timedOut[phase.ordinal()].inc();
    }

    @Override
    public void malformed() {
      malformed.inc();
    }

    @Override
    public void error(ErrorKind kind) {
      errors[kind.ordinal()].inc();
    }
  }
}
