package hermes.collector.guard;

import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigException;
import hermes.collector.logging.RateLimitedLog;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.Guard;
import hermes.collector.session.GuardTrip;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts every runaway-guard trip to an operator's URL ({@code guards.webhook_url}), so a controller
 * can stop the agent while it loops: one JSON POST per trip (see {@link TripPayload}), signed with
 * HMAC-SHA256 when {@code guards.webhook_secret_file} is set, each attempt bounded by {@code
 * guards.webhook_timeout}, retried with exponential backoff on connection errors, timeouts, 408,
 * 429 and 5xx at most {@code guards.webhook_retries} times. Every trip is delivered or counted in
 * {@link WebhookInstrumentation#dropped} with its reason; none is lost silently. Delivery is at
 * least once: a retry after a timeout may repeat a request the receiver got, with the same {@code
 * X-Hermes-Delivery} id.
 *
 * <p>Threading: {@link #guardTripped} is called on the assembler's shard threads, concurrently; it
 * only offers the trip to a bounded queue ({@code guards.webhook_queue}) and never blocks or does
 * I/O (a full queue drops the trip and counts it). One daemon sender thread takes trips from the
 * queue (a signalled wait: an idle webhook costs nothing) and does every request. {@link #close}
 * from any thread, once effective.
 *
 * <pre>{@code
 * GuardWebhook webhook = GuardWebhook.start(config.guardWebhook(), metrics);
 * AssemblyListener listeners = FanOutListener.of(agentMetrics, webhook);
 * ...
 * webhook.close(Duration.ofSeconds(5)); // sends what is queued, within the grace period
 * }</pre>
 */
public final class GuardWebhook implements AssemblyListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuardWebhook.class);

  /** The first retry's backoff; it doubles per retry. */
  static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);

  /** The longest wait between two attempts, a receiver's Retry-After included. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** Wakes the sender blocked on an empty queue at close; never sent. */
  private static final GuardTrip STOP = new GuardTrip(Guard.TOOL_REPEAT, "", null, 0, 0, "", 0);

  private final BlockingQueue<GuardTrip> queue;
  private final WebhookInstrumentation instrumentation;
  private final Sender sender;
  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();

  GuardWebhook(
      URI url,
      byte[] secret,
      Duration timeout,
      int retries,
      int capacity,
      Duration initialBackoff,
      WebhookInstrumentation instrumentation) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
    this.sender =
        new Sender(
            url, new TripPayload(secret), timeout, retries, initialBackoff, queue, instrumentation);
    this.thread = new Thread(sender, "hermes-guard-webhook");
    thread.setDaemon(true);
    instrumentation.queue(capacity, queue::size);
  }

  /**
   * Starts the webhook of {@code config} (its URL must be set), reading the secret file now.
   *
   * @throws ConfigException when the secret file cannot be read or is empty
   */
  public static GuardWebhook start(
      CollectorConfig.GuardWebhook config, WebhookInstrumentation instrumentation)
      throws ConfigException {
    Objects.requireNonNull(config.url(), "guards.webhook_url");
    GuardWebhook w =
        new GuardWebhook(
            config.url(),
            secret(config.secretFile()),
            config.timeout(),
            config.retries(),
            config.queue(),
            INITIAL_BACKOFF,
            instrumentation);
    w.start();
    return w;
  }

  void start() {
    thread.start();
  }

  /** The key in {@code file}, trimmed (a trailing newline is not part of it), or null. */
  static byte[] secret(Path file) throws ConfigException {
    if (file == null) {
      return null;
    }
    String s;
    try {
      s = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new ConfigException(
          "guards.webhook_secret_file: cannot read '" + file + "': " + e.getMessage());
    }
    if (s.isEmpty()) {
      throw new ConfigException(
          "guards.webhook_secret_file: '" + file + "' is empty; write the shared secret in it");
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Queues the trip for the sender thread; never blocks. A full queue drops it, counted. */
  @Override
  public void guardTripped(GuardTrip trip) {
    if (closed.get()) {
      instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
    } else if (!queue.offer(trip)) {
      instrumentation.dropped(WebhookInstrumentation.QUEUE_FULL);
    } else if (closed.get() && queue.remove(trip)) {
      // close() drained the queue before this trip was in it: counted here, not lost.
      instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
    }
  }

  /** As {@link #close(Duration)} with five seconds. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Stops taking trips and sends those queued within {@code grace}; then cuts off the attempt in
   * flight and counts what is left as dropped ({@code shutdown}). Returns within about {@code
   * grace} plus one second.
   */
  public void close(Duration grace) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    sender.stopping = true;
    queue.offer(STOP); // wakes a sender waiting on an empty queue; a full one is busy anyway
    try {
      if (thread.isAlive()) {
        thread.join(Math.max(1, grace.toMillis()));
      }
      if (thread.isAlive()) {
        sender.cutOff.countDown();
        thread.interrupt();
        thread.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = 0;
    for (GuardTrip t; (t = queue.poll()) != null; ) {
      if (t != STOP) {
        left++;
        instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
      }
    }
    if (left > 0) {
      log.warn("guard webhook: {} trips not sent before shutdown", left);
    }
  }

  /** The sender thread: takes trips one at a time and delivers each, with its retries. */
  private static final class Sender implements Runnable {
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final URI url;
    private final TripPayload payload;
    private final Duration timeout;
    private final int retries;
    private final Duration initialBackoff;
    private final BlockingQueue<GuardTrip> queue;
    private final WebhookInstrumentation instrumentation;
    private final HttpClient client;
    private final String where; // for log lines: no path, query or user info (they may be secret)

    /** Counted down when the grace period ran out: ends a backoff wait at once. */
    final CountDownLatch cutOff = new CountDownLatch(1);

    volatile boolean stopping;
    private final RateLimitedLog logGate = new RateLimitedLog(log, LOG_INTERVAL_NANOS);

    Sender(
        URI url,
        TripPayload payload,
        Duration timeout,
        int retries,
        Duration initialBackoff,
        BlockingQueue<GuardTrip> queue,
        WebhookInstrumentation instrumentation) {
      this.url = url;
      this.payload = payload;
      this.timeout = timeout;
      this.retries = retries;
      this.initialBackoff = initialBackoff;
      this.queue = queue;
      this.instrumentation = instrumentation;
      this.where =
          url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
      this.client =
          HttpClient.newBuilder()
              .connectTimeout(timeout)
              .followRedirects(HttpClient.Redirect.NEVER)
              .version(HttpClient.Version.HTTP_1_1)
              .build();
    }

    @Override
    public void run() {
      try {
        while (!(stopping && queue.isEmpty())) {
          GuardTrip trip = queue.take();
          if (trip == STOP || !deliver(trip)) {
            return;
          }
        }
      } catch (InterruptedException e) {
        // close(): its grace period ran out; it counts what is left in the queue.
      } catch (RuntimeException e) {
        log.error("guard webhook: sender stopped: {}", e.toString(), e);
      }
    }

    /** Delivers one trip or counts it; false when the sender must stop (cut off at close). */
    private boolean deliver(GuardTrip trip) {
      byte[] body = TripPayload.json(trip);
      String delivery = UUID.randomUUID().toString();
      for (int attempt = 0; ; attempt++) {
        Attempt a = post(body, delivery);
        if (a == Attempt.SENT) {
          instrumentation.sent();
          return true;
        }
        if (a == Attempt.CUT_OFF) {
          instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
          return false;
        }
        instrumentation.failed(a.reason);
        if (!a.retryable) {
          instrumentation.dropped(WebhookInstrumentation.REJECTED);
          warn(trip, "refused (" + a.reason + "), not retried");
          return true;
        }
        if (attempt >= retries) {
          instrumentation.dropped(WebhookInstrumentation.RETRIES_EXHAUSTED);
          warn(trip, (attempt + 1) + " attempts failed, the last: " + a.reason);
          return true;
        }
        try {
          if (cutOff.await(backoffNanos(attempt, a.retryAfterNanos), TimeUnit.NANOSECONDS)) {
            instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
            return false;
          }
        } catch (InterruptedException e) {
          instrumentation.dropped(WebhookInstrumentation.SHUTDOWN);
          return false;
        }
        instrumentation.retried();
      }
    }

    /**
     * The wait before retry {@code attempt + 1}: the receiver's Retry-After if it sent one, else
     * the initial backoff doubled per attempt with jitter (half fixed, half random, so webhooks
     * restarted together do not retry together); at most {@link #MAX_BACKOFF}.
     */
    private long backoffNanos(int attempt, long retryAfterNanos) {
      long max = MAX_BACKOFF.toNanos();
      if (retryAfterNanos > 0) {
        return Math.min(retryAfterNanos, max);
      }
      long base = Math.min(initialBackoff.toNanos() << Math.min(attempt, 30), max);
      return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    private Attempt post(byte[] body, String delivery) {
      long timestamp = System.currentTimeMillis() / 1000;
      HttpRequest.Builder b =
          HttpRequest.newBuilder(url)
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .header("User-Agent", "hermes-collector")
              .header("X-Hermes-Delivery", delivery)
              .header("X-Hermes-Timestamp", Long.toString(timestamp))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (payload.signs()) {
        b.header("X-Hermes-Signature", payload.signature(timestamp, body));
      }
      CompletableFuture<HttpResponse<Void>> f;
      try {
        f = client.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding());
      } catch (RuntimeException e) {
        // The client refusing the request outright: a failed attempt like any I/O error.
        return Attempt.retry("io", 0);
      }
      HttpResponse<Void> r;
      try {
        // The whole exchange, body included, within the timeout: a receiver that trickles its
        // answer cannot hold the sender.
        r = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        return Attempt.retry("timeout", 0);
      } catch (InterruptedException e) {
        f.cancel(true);
        return Attempt.CUT_OFF;
      } catch (ExecutionException e) {
        return Attempt.retry(cause(e.getCause()), 0);
      }
      int status = r.statusCode();
      if (status >= 200 && status < 300) {
        return Attempt.SENT;
      }
      String reason = "http_" + status;
      if (status == 408 || status == 429 || status >= 500) {
        return Attempt.retry(reason, retryAfterNanos(r));
      }
      return new Attempt(reason, false, 0);
    }

    private static String cause(Throwable t) {
      if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
        return "timeout";
      }
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof ConnectException) {
          return "connect";
        }
      }
      return "io";
    }

    /** Retry-After in seconds (the HTTP-date form is rare for webhooks and ignored), or 0. */
    private static long retryAfterNanos(HttpResponse<?> r) {
      String v = r.headers().firstValue("Retry-After").orElse("").trim();
      if (v.isEmpty() || v.length() > 6 || !v.chars().allMatch(Character::isDigit)) {
        return 0;
      }
      return TimeUnit.SECONDS.toNanos(Long.parseLong(v));
    }

    /**
     * A trip not delivered, at most one line per 10 s (a receiver down while many sessions trip
     * must not flood the log; each is counted anyway). Session keys are cut: they come from agents.
     */
    private void warn(GuardTrip trip, String why) {
      long held = logGate.admit();
      if (held < 0) {
        return;
      }
      String key = trip.sessionKey();
      log.warn(
          "guard webhook: {} trip of session {} not delivered to {}: {}{}",
          trip.guard().label(),
          key.length() > 64 ? key.substring(0, 64) + "..." : key,
          where,
          why,
          held == 0 ? "" : " (" + held + " more since the last line)");
    }
  }

  /** How one attempt ended. */
  private static final class Attempt {
    static final Attempt SENT = new Attempt("sent", false, 0);
    static final Attempt CUT_OFF = new Attempt("shutdown", false, 0);

    final String reason;
    final boolean retryable;
    final long retryAfterNanos;

    Attempt(String reason, boolean retryable, long retryAfterNanos) {
      this.reason = reason;
      this.retryable = retryable;
      this.retryAfterNanos = retryAfterNanos;
    }

    static Attempt retry(String reason, long retryAfterNanos) {
      return new Attempt(reason, true, retryAfterNanos);
    }
  }
}
