package hermes.collector.server;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import java.util.Locale;

/**
 * The connection-level self metrics of the HTTP listeners (OTLP/HTTP and admin): open connections,
 * connections refused past the cap, connections closed by a timeout, malformed HTTP requests and
 * connection errors, each labelled by {@code listener}.
 *
 * <p>Threading: safe for concurrent use; the label children of a listener are resolved once by
 * {@link #listener}, so a hit is an add.
 */
public final class ListenerMetrics {
  /** The phase a connection timed out in (the {@code phase} label). */
  enum Phase {
    /** A request head not complete within the header timeout (slowloris). */
    HEADER,
    /** A request body that made no progress within the body timeout. */
    BODY,
    /** A keep-alive connection with no request within the idle timeout. */
    IDLE;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What ended a connection through {@code exceptionCaught} (the {@code kind} label). */
  enum ErrorKind {
    /** A socket error (reset by peer, broken pipe) or a client gone in the middle of a request. */
    IO,
    /** A protocol decoder failure Netty raised as an exception. */
    DECODER,
    /** Anything else: a bug. */
    OTHER;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

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

  /** The metrics of one listener, {@code name} being its {@code listener} label. */
  Listener listener(String name) {
    return new Listener(name);
  }

  /** One listener's resolved series. Threading: safe for concurrent use. */
  final class Listener {
    private final String name;
    private final Gauge.Child open;
    private final Counter.Child refused;
    private final Counter.Child[] timedOut;
    private final Counter.Child malformed;
    private final Counter.Child[] errors;

    private Listener(String name) {
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

    /** The {@code listener} label, also used in logs. */
    String name() {
      return name;
    }

    void opened() {
      open.inc();
    }

    void closed() {
      open.dec();
    }

    void refused() {
      refused.inc();
    }

    void timedOut(Phase phase) {
      timedOut[phase.ordinal()].inc();
    }

    void malformed() {
      malformed.inc();
    }

    void error(ErrorKind kind) {
      errors[kind.ordinal()].inc();
    }
  }
}
