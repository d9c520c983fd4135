package hermes.collector.server;

import hermes.collector.config.Endpoint;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/** Binds the admin/metrics listener (the server of the admin trio). */
public final class AdminServer {
  private AdminServer() {}

  /** Starts listening; {@code ready} answers {@code /readyz}. */
  public static HttpListener bind(
      Endpoint endpoint, EventLoops loops, CollectorRegistry registry, BooleanSupplier ready)
      throws IOException {
    return HttpListener.bind(
        "admin", endpoint, loops, new AdminInitializer(new AdminHandler(registry, ready)));
  }
}
