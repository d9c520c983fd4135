package hermes.collector.server;

import hermes.collector.config.CollectorConfig;

/**
 * The connection bounds of one HTTP listener, shared by its channels: the connection count and cap,
 * the timeouts, the listener's metrics and its handler of last resort. Makes the per-channel
 * handlers that enforce them.
 *
 * <p>Threading: immutable apart from the shared lock-free count; make handlers from any thread.
 */
final class HttpListenerLimits {
  private final ListenerInstrumentation.Listener metrics;
  private final ConnectionLimiter.Count count;
  private final HttpTimeouts.Limits timeouts;
  private final ConnectionErrors errors;

  HttpListenerLimits(
      String listener, CollectorConfig.Connections connections, ListenerInstrumentation metrics) {
    this.metrics = metrics.listener(listener);
    this.count = new ConnectionLimiter.Count(connections.max(), this.metrics);
    this.timeouts =
        new HttpTimeouts.Limits(
            connections.headerTimeout(), connections.bodyTimeout(), connections.idleTimeout());
    this.errors = new ConnectionErrors(this.metrics);
  }

  ListenerInstrumentation.Listener metrics() {
    return metrics;
  }

  ConnectionLimiter connectionLimiter() {
    return new ConnectionLimiter(count);
  }

  HttpTimeouts timeouts() {
    return new HttpTimeouts(timeouts, metrics);
  }

  ConnectionErrors errors() {
    return errors;
  }
}
