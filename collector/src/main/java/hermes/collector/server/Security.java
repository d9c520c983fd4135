package hermes.collector.server;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.Endpoint;
import hermes.collector.ingest.IngestInstrumentation;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelPipeline;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may talk to the listeners, built once from {@code otlp.tls.*}, {@code otlp.auth.*}, {@code
 * otlp.http.cors.*} and {@code admin.*}: installs TLS, CORS and bearer authentication into the
 * pipelines, configures the gRPC server, and answers the admin API's access questions.
 *
 * <p>Threading: built at start; the install methods run on the I/O thread of each new connection.
 */
public final class Security {
  private final CollectorConfig.Security config;
  private final SecurityInstrumentation metrics;
  private final TlsContexts otlpHttpTls;
  private final TlsContexts adminTls;
  private final BearerTokens otlpTokens;
  private final CorsHandler.Policy cors;
  private final BearerTokens adminTokens;

  private Security(
      CollectorConfig.Security config,
      SecurityInstrumentation metrics,
      TlsContexts otlpHttpTls,
      TlsContexts adminTls,
      BearerTokens otlpTokens,
      BearerTokens adminTokens) {
    this.config = config;
    this.metrics = metrics;
    this.otlpHttpTls = otlpHttpTls;
    this.adminTls = adminTls;
    this.otlpTokens = otlpTokens;
    this.adminTokens = adminTokens;
    this.cors =
        config.corsAllowedOrigins().isEmpty()
            ? null
            : new CorsHandler.Policy(config.corsAllowedOrigins());
  }

  /**
   * Loads the certificates and token files; handshake failures and reloads go to {@code metrics}.
   *
   * @param adminApiToken {@code admin.api_token}, empty for none
   * @throws IOException naming the key's file when one cannot be used
   */
  public static Security load(
      CollectorConfig.Security config, String adminApiToken, SecurityInstrumentation metrics)
      throws IOException {
    TlsContexts otlpTls =
        config.otlpTls() == null ? null : TlsContexts.netty("otlp_http", config.otlpTls(), metrics);
    TlsContexts adminTls =
        config.adminTls() == null ? null : TlsContexts.netty("admin", config.adminTls(), metrics);
    BearerTokens otlpTokens = null;
    if (config.otlpBearerTokenFile() != null) {
      try {
        otlpTokens = new BearerTokens("otlp", config.otlpBearerTokenFile(), "", metrics);
      } catch (IOException e) {
        throw new IOException("otlp.auth.bearer_token_file: " + e.getMessage(), e);
      }
    }
    BearerTokens adminTokens = null;
    if (config.adminApiTokenFile() != null || !adminApiToken.isBlank()) {
      try {
        adminTokens = new BearerTokens("admin", config.adminApiTokenFile(), adminApiToken, metrics);
      } catch (IOException e) {
        throw new IOException("admin.api_token_file: " + e.getMessage(), e);
      }
    }
    return new Security(config, metrics, otlpTls, adminTls, otlpTokens, adminTokens);
  }

  /** Whether the OTLP receivers use TLS. */
  public boolean otlpTls() {
    return config.otlpTls() != null;
  }

  /** Whether the OTLP receivers require a bearer token. */
  public boolean otlpAuth() {
    return otlpTokens != null;
  }

  /** How the OTLP receivers are protected, for the startup log: "" or " (TLS, bearer tokens)". */
  public String describeOtlp() {
    List<String> parts = new ArrayList<>();
    if (config.otlpTls() != null) {
      parts.add(config.otlpTls().clientCaFile() != null ? "mutual TLS" : "TLS");
    }
    if (otlpTokens != null) {
      parts.add("bearer tokens");
    }
    if (cors != null) {
      parts.add("CORS for " + config.corsAllowedOrigins().size() + " origin pattern(s)");
    }
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  /** Whether the admin port uses TLS. */
  public boolean adminTls() {
    return adminTls != null;
  }

  /**
   * Adds TLS (first, behind the connection cap), CORS and authentication (after the request check)
   * to an OTLP/HTTP pipeline.
   */
  void installOtlpHttp(ChannelPipeline p, IngestInstrumentation ingestMetrics) {
    // After the request check (bad framing is answered first), before the in-flight budget (an
    // unauthenticated request reserves nothing).
    String last = p.get("check") != null ? "check" : "http";
    if (cors != null) {
      p.addAfter(last, "cors", new CorsHandler(cors));
      last = "cors";
    }
    if (otlpTokens != null) {
      p.addAfter(last, "auth", new OtlpAuthHandler(otlpTokens, ingestMetrics));
    }
    if (otlpHttpTls != null) {
      otlpHttpTls.install(p);
    }
  }

  /** Adds TLS first to an admin pipeline. */
  void installAdmin(ChannelPipeline p) {
    if (adminTls != null) {
      adminTls.install(p);
    }
  }

  /** TLS and authentication of the gRPC server. */
  void configureGrpc(NettyServerBuilder b) throws IOException {
    if (config.otlpTls() != null) {
      b.sslContext(TlsContexts.grpc(config.otlpTls(), metrics));
    }
    if (otlpTokens != null) {
      b.intercept(new GrpcAuthInterceptor(otlpTokens));
    }
  }

  /** The admin API's rules for a listener bound to {@code endpoint}. */
  AdminGuard adminGuard(Endpoint endpoint) {
    return new AdminGuard(endpoint.host(), config.adminAllowedHosts(), adminTokens);
  }

  /** Stops feeding this collector's metrics from JVM-wide hooks. */
  public void close() {
    TlsContexts.unwatchGrpc(metrics);
  }
}
