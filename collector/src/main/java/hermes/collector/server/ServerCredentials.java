package hermes.collector.server;

import hermes.collector.config.CollectorConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS listener's certificate, key and (for mutual TLS) client CA, as a JSSE key manager and trust
 * manager that re-read their PEM files when they change: every new handshake sees the current
 * files, connections already open keep the certificate they were made with. Both the Netty
 * pipelines (OTLP/HTTP, admin) and the gRPC server build their TLS from these.
 *
 * <p>Threading: the managers are called from the I/O threads during handshakes; safe for concurrent
 * use.
 */
final class ServerCredentials {
  private static final Logger log = LoggerFactory.getLogger(ServerCredentials.class);

  private final KeyManager keyManager;
  private final TrustManager trustManager; // null: no client certificates asked for

  private ServerCredentials(KeyManager keyManager, TrustManager trustManager) {
    this.keyManager = keyManager;
    this.trustManager = trustManager;
  }

  /**
   * Loads the files now.
   *
   * @throws IOException naming the listener and the file when one cannot be used
   */
  static ServerCredentials load(
      String listener, CollectorConfig.Tls tls, SecurityInstrumentation metrics)
      throws IOException {
    try {
      KeyManager km =
          new KeyManager(
              new WatchedFiles<>(
                  List.of(tls.certFile(), tls.keyFile()),
                  () -> Identity.load(tls.certFile(), tls.keyFile()),
                  reporter(listener, tls.certFile(), metrics)));
      TrustManager tm = null;
      if (tls.clientCaFile() != null) {
        Path ca = tls.clientCaFile();
        tm =
            new TrustManager(
                new WatchedFiles<>(List.of(ca), () -> trust(ca), reporter(listener, ca, metrics)));
      }
      return new ServerCredentials(km, tm);
    } catch (GeneralSecurityException e) {
      throw new IOException(listener + " TLS: " + e.getMessage(), e);
    }
  }

  private static java.util.function.BiConsumer<Boolean, Exception> reporter(
      String listener, Path file, SecurityInstrumentation metrics) {
    return (ok, e) -> {
      metrics.reloaded(listener, ok);
      if (ok) {
        log.info("{}: TLS files changed, reloaded ({})", listener, file);
      } else {
        log.warn(
            "{}: TLS files changed but cannot be used, keeping the previous: {}",
            listener,
            e.getMessage());
      }
    };
  }

  X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** The client CA's trust manager, or null without mutual TLS. */
  X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  private static X509TrustManager trust(Path caFile) throws IOException, GeneralSecurityException {
    X509Certificate[] cas = PemFiles.certificates(caFile);
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    for (int i = 0; i < cas.length; i++) {
      ks.setCertificateEntry("ca-" + i, cas[i]);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    for (javax.net.ssl.TrustManager t : tmf.getTrustManagers()) {
      if (t instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /** One loaded certificate chain and key, under an alias unique to this load. */
  private record Identity(String alias, X509Certificate[] chain, PrivateKey key) {
    private static final java.util.concurrent.atomic.AtomicLong LOADS =
        new java.util.concurrent.atomic.AtomicLong();

    static Identity load(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
      X509Certificate[] chain = PemFiles.certificates(certFile);
      PrivateKey key = PemFiles.privateKey(keyFile);
      if (!chain[0].getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
        throw new GeneralSecurityException(
            keyFile
                + ": a "
                + key.getAlgorithm()
                + " key does not match the "
                + chain[0].getPublicKey().getAlgorithm()
                + " certificate of "
                + certFile);
      }
      return new Identity("hermes-" + LOADS.incrementAndGet(), chain, key);
    }
  }

  /**
   * Serves the current identity. The alias names one load, so a handshake that chose it before a
   * reload still gets the matching chain and key (the previous identity is kept for that).
   */
  private static final class KeyManager extends X509ExtendedKeyManager {
    private final WatchedFiles<Identity> files;
    private volatile Identity current;
    private volatile Identity previous;

    KeyManager(WatchedFiles<Identity> files) {
      this.files = files;
      this.current = files.get();
      this.previous = current;
    }

    private String choose(String keyType) {
      Identity now = files.get();
      if (now != current) {
        synchronized (this) { // once per reload, not per handshake
          if (now != current) {
            previous = current;
            current = now;
          }
        }
      }
      return now.key().getAlgorithm().equals(keyType) ? now.alias() : null;
    }

    private Identity find(String alias) {
      Identity now = current;
      if (now.alias().equals(alias)) {
        return now;
      }
      Identity before = previous;
      return before.alias().equals(alias) ? before : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return choose(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return choose(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      String a = choose(keyType);
      return a == null ? null : new String[] {a};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Identity id = find(alias);
      return id == null ? null : id.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Identity id = find(alias);
      return id == null ? null : id.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  /** Checks client certificates against the current client CA file. */
  private static final class TrustManager extends X509ExtendedTrustManager {
    private final WatchedFiles<X509TrustManager> files;

    TrustManager(WatchedFiles<X509TrustManager> files) {
      this.files = files;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      files.get().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a server listener does not check server certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return files.get().getAcceptedIssuers();
    }
  }
}
