package hermes.collector.server;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.Endpoint;
import hermes.collector.cost.Pricing;
import hermes.collector.metrics.AgentMetrics;
import hermes.collector.metrics.Exposition;
import hermes.collector.session.SessionAssembler;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/** Binds the admin/metrics listener (the server of the admin trio). */
public final class AdminServer {
  private AdminServer() {}

  /**
   * Starts listening; {@code ready} answers {@code /readyz}.
   *
   * @param exposition renders {@code GET /metrics} and the overview's values
   * @param loops the admin's own event loops, so that it answers while OTLP floods keep the
   *     receivers' loops busy
   * @param assembler serves the sessions API, or null for none
   * @param pricing reloaded by {@code POST /-/reload} (with the assembler)
   * @param metrics the agent metrics, for {@code GET /api/stats} (with the assembler)
   * @param connections the connection cap and timeouts
   * @param listenerMetrics where connection-level events are counted ({@code listener="admin"})
   * @param stream the session event stream (with the assembler), whose thread also runs the API's
   *     heavier queries; null for no API
   * @param jaegerUrl {@code ui.jaeger_url} for the explorer's trace links; empty for none
   */
  public static HttpListener bind(
      Endpoint endpoint,
      EventLoops loops,
      Exposition exposition,
      BooleanSupplier ready,
      SessionAssembler assembler,
      Pricing pricing,
      AgentMetrics metrics,
      CollectorConfig.Connections connections,
      ListenerInstrumentation listenerMetrics,
      Security security,
      SessionStream stream,
      String jaegerUrl)
      throws IOException {
    SessionsApi api =
        assembler == null || stream == null
            ? null
            : new SessionsApi(
                assembler, pricing, metrics, new Overview(exposition, jaegerUrl), stream.work());
    return HttpListener.bind(
        "admin",
        endpoint,
        loops,
        new AdminInitializer(
            new AdminHandler(
                exposition, ready, api, security.adminGuard(endpoint), api == null ? null : stream),
            new HttpListenerLimits("admin", connections, listenerMetrics),
            security));
  }
}
