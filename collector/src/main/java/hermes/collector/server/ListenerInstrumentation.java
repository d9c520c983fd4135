package hermes.collector.server;

import java.util.Locale;

/**
 * What the HTTP listeners (OTLP/HTTP and admin) report about their connections: opened and closed,
 * refused past the cap, closed by a timeout, malformed requests and errors. The listeners know
 * nothing of Prometheus; {@code hermes.collector.metrics.ListenerMetrics} renders these as {@code
 * hermes_collector_connections_*}, {@code hermes_collector_http_malformed_requests_total} and
 * {@code hermes_collector_connection_errors_total}, labelled by {@code listener}.
 *
 * <p>Threading: {@link #listener} is called once per listener at bind time; a {@link Listener}'s
 * methods are called on I/O threads concurrently and must be thread-safe, not block and not
 * allocate.
 */
public interface ListenerInstrumentation {
  /** The phase a connection timed out in (the {@code phase} label). */
  enum Phase {
    /** A request head not complete within the header timeout (slowloris). */
    HEADER,
    /** A request body that made no progress within the body timeout. */
    BODY,
    /** A keep-alive connection with no request within the idle timeout. */
    IDLE;

    /** The label value. */
    public String label() {
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

    /** The label value. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where one listener reports, {@code name} being its {@code listener} label. */
  Listener listener(String name);

  /** One listener's reports. Threading: safe for concurrent use. */
  interface Listener {
    /** The {@code listener} label, also used in logs. */
    String name();

    /** A connection was accepted. */
    void opened();

    /** An accepted connection closed. */
    void closed();

    /** A connection was closed at once: the listener already had its maximum. */
    void refused();

    /** A connection was closed by a timeout in {@code phase}. */
    void timedOut(Phase phase);

    /** A request was answered 400 as invalid HTTP/1.1 and its connection closed. */
    void malformed();

    /** A connection was ended by an error of {@code kind}. */
    void error(ErrorKind kind);
  }
}
