package hermes.collector.config;

import java.net.InetSocketAddress;

/**
 * A listen address written {@code host:port} (IPv6 as {@code [::1]:4318}); port 0 picks a free
 * port.
 *
 * @param host the interface to bind (a name or an address literal, brackets removed)
 * @param port 0-65535
 */
public record Endpoint(String host, int port) {
  /** Parses {@code host:port}; the message of the exception says what is allowed. */
  public static Endpoint parse(String key, String value) throws ConfigException {
    String v = value.trim();
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || colon == v.length() - 1) {
      throw invalid(key, value);
    }
    String host = v.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw invalid(key, value);
    }
    int port;
    try {
      port = Integer.parseInt(v.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw invalid(key, value);
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw invalid(key, value);
    }
    return new Endpoint(host, port);
  }

  private static ConfigException invalid(String key, String value) {
    return new ConfigException(
        key
            + ": '"
            + value
            + "' is not host:port (for example 127.0.0.1:4318 or [::1]:4318; port 0-65535)");
  }

  /** The socket address to bind. */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
