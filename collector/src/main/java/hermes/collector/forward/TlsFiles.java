package hermes.collector.forward;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * The PEM files of an {@code https://} export: a CA bundle to trust instead of the system trust
 * store, and a client certificate with its PKCS#8 private key for mutual TLS. Any may be null.
 *
 * <p>PEM parsing is left to grpc-java (gRPC) and Netty's {@code SslContextBuilder} (HTTP, whose
 * JDK-provider context is the {@link SSLContext} {@code java.net.http} needs).
 *
 * <p>Threading: immutable.
 *
 * @param caFile trusted CA certificates, null for the system trust store
 * @param certFile client certificate chain, null for none
 * @param keyFile the client certificate's private key (PKCS#8 PEM), null with {@code certFile}
 */
public record TlsFiles(Path caFile, Path certFile, Path keyFile) {
  /** No files: the system trust store, no client certificate. */
  public static final TlsFiles SYSTEM = new TlsFiles(null, null, null);

  /** The credentials of a gRPC channel. */
  ChannelCredentials grpc() throws IOException {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (caFile != null) {
      b.trustManager(caFile.toFile());
    }
    if (certFile != null) {
      b.keyManager(certFile.toFile(), keyFile.toFile());
    }
    return b.build();
  }

  /** The SSL context of an HTTP client; the JDK default when no file is set. */
  SSLContext http() throws IOException {
    if (caFile == null && certFile == null) {
      try {
        return SSLContext.getDefault();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IOException("no default TLS context", e);
      }
    }
    SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
    if (caFile != null) {
      b.trustManager(caFile.toFile());
    }
    if (certFile != null) {
      b.keyManager(certFile.toFile(), keyFile.toFile());
    }
    return ((JdkSslContext) b.build()).context();
  }
}
