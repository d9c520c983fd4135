package hermes.collector.guard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP server (the JDK's) standing in for an operator's controller: records every request it
 * gets and answers each with the next scripted status (200 once the script is used up), or holds it
 * unanswered while {@link #hold} is on. Loopback only.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One request as received: headers (names lower-cased) and body. */
  public record Delivery(String method, String path, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code X-Hermes-Signature} is the HMAC-SHA256 of {@code "<timestamp>.<body>"} keyed
     * by {@code secret}: what a receiver checks, computed here independently of the collector.
     */
    public boolean signedWith(String secret) throws Exception {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((header("X-Hermes-Timestamp") + ".").getBytes(StandardCharsets.UTF_8));
      String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
      return expected.equals(header("X-Hermes-Signature"));
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
  private final List<Delivery> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean holding;

  private WebhookReceiver(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "webhook-receiver");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A receiver on a free loopback port. */
  public static WebhookReceiver start() throws IOException {
    return new WebhookReceiver(0);
  }

  /** A receiver on {@code port} (a receiver that comes back up where it was). */
  public static WebhookReceiver start(int port) throws IOException {
    return new WebhookReceiver(port);
  }

  /** A loopback port nothing listens on any more: connections to it are refused. */
  public static int closedPort() throws IOException {
    WebhookReceiver r = new WebhookReceiver(0);
    int port = r.port();
    r.close();
    return port;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Answers the next requests with these statuses, in order; 200 after them. */
  public WebhookReceiver respond(Integer... statuses) {
    script.addAll(List.of(statuses));
    return this;
  }

  /** Holds every request unanswered until {@link #close}. */
  public WebhookReceiver hold() {
    holding = true;
    return this;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      Map<String, String> headers = new TreeMap<>();
      ex.getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
      Delivery d =
          new Delivery(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body);
      all.add(d);
      received.add(d);
      if (holding) {
        released.await();
        return;
      }
      Integer status = script.poll();
      int code = status == null ? 200 : status;
      if (code == 429) {
        ex.getResponseHeaders().add("Retry-After", "0");
      }
      ex.sendResponseHeaders(code, -1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The next request received, waiting up to 30 s for it. */
  public Delivery take() throws InterruptedException {
    Delivery d = received.poll(30, TimeUnit.SECONDS);
    if (d == null) {
      throw new AssertionError("no webhook request within 30 s");
    }
    return d;
  }

  /** Every request received so far. */
  public List<Delivery> all() {
    return new ArrayList<>(all);
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
