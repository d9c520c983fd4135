package hermes.collector.config;

/**
 * A configuration the collector cannot run with. The message names the key, the value and what is
 * allowed, e.g. {@code "otlp.http.endpoint: 'localhost' is not host:port (port 0-65535)"}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message for the operator. */
  public ConfigException(String message) {
    super(message);
  }
}
