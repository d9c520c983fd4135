package hermes.collector.server;

import hermes.collector.config.CollectorConfig;
import io.grpc.netty.GrpcSslContexts;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * TLS for the listeners: TLS 1.2 and 1.3 only, the JDK provider (so the reloading {@link
 * ServerCredentials} managers are used as they are), the client certificate required when a client
 * CA is configured. A Netty pipeline gets the TLS handler first, with a counter of failed
 * handshakes behind it; the gRPC server gets a context of the same Netty with grpc-java's ALPN.
 *
 * <p>Threading: built once at start; {@link #install} runs on the I/O thread of a new connection.
 */
final class TlsContexts {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final String listener;
  private final SslContext context;
  private final SecurityInstrumentation metrics;

  private TlsContexts(String listener, SslContext context, SecurityInstrumentation metrics) {
    this.listener = listener;
    this.context = context;
    this.metrics = metrics;
  }

  /**
   * The TLS of a Netty listener.
   *
   * @param listener the metric label: otlp_http or admin
   * @throws IOException naming the listener and file when the files cannot be used
   */
  static TlsContexts netty(
      String listener, CollectorConfig.Tls tls, SecurityInstrumentation metrics)
      throws IOException {
    ServerCredentials creds = ServerCredentials.load(listener, tls, metrics);
    SslContextBuilder b =
        SslContextBuilder.forServer(creds.keyManager())
            .sslProvider(SslProvider.JDK)
            .protocols(PROTOCOLS);
    if (creds.trustManager() != null) {
      b.trustManager(creds.trustManager()).clientAuth(ClientAuth.REQUIRE);
    }
    return new TlsContexts(listener, b.build(), metrics);
  }

  /** Adds the TLS handler first in {@code p}, and the handshake failure counter after it. */
  void install(ChannelPipeline p) {
    // Behind the connection cap (a refused connection costs no handshake), before everything else.
    if (p.get("connections") != null) {
      p.addAfter("connections", "tls", context.newHandler(p.channel().alloc()));
      p.addAfter("tls", "tls-outcome", new HandshakeOutcome(listener, metrics));
    } else {
      p.addFirst("tls-outcome", new HandshakeOutcome(listener, metrics));
      p.addFirst("tls", context.newHandler(p.channel().alloc()));
    }
  }

  /**
   * The TLS of the gRPC server: the same Netty as the listeners' (ALPN h2 configured by {@link
   * GrpcSslContexts}).
   */
  static SslContext grpc(CollectorConfig.Tls tls, SecurityInstrumentation metrics)
      throws IOException {
    ServerCredentials creds = ServerCredentials.load("otlp_grpc", tls, metrics);
    SslContextBuilder b =
        GrpcSslContexts.configure(SslContextBuilder.forServer(creds.keyManager()), SslProvider.JDK)
            .protocols(PROTOCOLS);
    if (creds.trustManager() != null) {
      b.trustManager(creds.trustManager()).clientAuth(ClientAuth.REQUIRE);
    }
    GrpcHandshakeFailures.watch(metrics);
    return b.build();
  }

  /** Stops counting gRPC handshake failures into {@code metrics} (the collector closed). */
  static void unwatchGrpc(SecurityInstrumentation metrics) {
    GrpcHandshakeFailures.SINKS.remove(metrics);
  }

  /** Counts a failed handshake, then leaves the pipeline. */
  private static final class HandshakeOutcome extends ChannelInboundHandlerAdapter {
    private final String listener;
    private final SecurityInstrumentation metrics;

    HandshakeOutcome(String listener, SecurityInstrumentation metrics) {
      this.listener = listener;
      this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          metrics.handshakeFailed(listener, HandshakeFailures.reason(done.cause()));
        }
        ctx.pipeline().remove(this);
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  /**
   * grpc-java negotiates TLS inside its transport and offers no callback for a failed handshake; it
   * reports one only as a FINE record of its {@code ProtocolNegotiators} logger ("TLS negotiation
   * failed for new client."), without the cause, so the reason is {@code unknown}. This handler
   * turns those records into the counter. The logger is JVM-wide: with several collectors in one
   * JVM (tests) each counts every gRPC handshake failure; a deployment runs one.
   */
  private static final class GrpcHandshakeFailures extends Handler {
    static final Set<SecurityInstrumentation> SINKS = new CopyOnWriteArraySet<>();
    // Held strongly: java.util.logging keeps loggers weakly and would forget the handler.
    private static final java.util.logging.Logger NEGOTIATORS =
        java.util.logging.Logger.getLogger("io.grpc.netty.ProtocolNegotiators");

    static {
      GrpcHandshakeFailures h = new GrpcHandshakeFailures();
      h.setLevel(Level.FINE);
      NEGOTIATORS.addHandler(h);
      if (!NEGOTIATORS.isLoggable(Level.FINE)) {
        NEGOTIATORS.setLevel(Level.FINE);
      }
    }

    static void watch(SecurityInstrumentation metrics) {
      SINKS.add(metrics);
    }

    @Override
    public void publish(LogRecord r) {
      String msg = r.getMessage();
      if (msg != null && msg.startsWith("TLS negotiation failed")) {
        for (SecurityInstrumentation m : SINKS) {
          m.handshakeFailed("otlp_grpc", HandshakeFailures.reason(r.getThrown()));
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
