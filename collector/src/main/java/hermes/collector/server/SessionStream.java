package hermes.collector.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.SessionRecord;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jctools.queues.MpscArrayQueue;

/**
 * {@code GET /api/sessions/stream}: session opened / updated / finished events as Server-Sent
 * Events, for the explorer and for scripts ({@code withdrawn}: a session shown under its trace id
 * whose calls went to the session a later span named; it is no session and no longer listed). An
 * {@link AssemblyListener}: the assembler's shards only enqueue a reference into a bounded
 * lock-free queue (nothing when nobody listens); one dedicated thread drains it {@link
 * #DRAIN_INTERVAL_MS} ms after the first event of a batch arrives (scheduled by that event, never
 * polled: an idle stream thread sleeps), renders each event to JSON once and hands the same bytes
 * to every subscriber. Bounds: {@code admin.max_stream_subscribers} (more are refused with 503),
 * {@code admin.stream_buffer_bytes} per subscriber (a reader that falls that far behind is
 * disconnected and counted, so a slow reader never holds memory or slows ingest), {@code
 * admin.stream_queue_events} between the shards and the stream thread (a full queue drops the event
 * and counts it). A comment line every heartbeat keeps proxies from closing an idle stream.
 *
 * <p>Threading: the listener methods run on shard threads, several at once, and never block or
 * lock; {@link #subscribe} runs on an I/O thread; everything else on the stream thread, which also
 * runs the sessions API's heavier work ({@link #work()}).
 */
public final class SessionStream implements AssemblyListener, AutoCloseable {
  static final long DRAIN_INTERVAL_MS = 100;
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

  /** A session event. */
  private record Event(String type, SessionRecord session) {}

  /** One connected reader and the bytes written to it that its socket has not taken yet. */
  private record Subscriber(Channel channel, AtomicLong pending) {}

  private final int maxSubscribers;
  private final long bufferBytes;
  private final MpscArrayQueue<Event> queue;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  private volatile boolean anyone;
  private final LongAdder refused = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder eventsDropped = new LongAdder();
  private final LongAdder events = new LongAdder();
  private final ScheduledExecutorService thread;
  // true from the event that scheduled a drain until that drain starts
  private final java.util.concurrent.atomic.AtomicBoolean drainScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Starts the stream thread.
   *
   * @param maxSubscribers {@code admin.max_stream_subscribers}
   * @param bufferBytes {@code admin.stream_buffer_bytes}
   * @param queueEvents {@code admin.stream_queue_events}
   * @param heartbeat how often an idle stream gets a comment line
   */
  public SessionStream(int maxSubscribers, long bufferBytes, int queueEvents, Duration heartbeat) {
    this.maxSubscribers = maxSubscribers;
    this.bufferBytes = bufferBytes;
    this.queue = new MpscArrayQueue<>(Math.max(2, queueEvents));
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "hermes-session-stream");
              t.setDaemon(true);
              return t;
            });
    long hb = Math.max(1, heartbeat.toMillis());
    thread.scheduleWithFixedDelay(() -> broadcastFrame(HEARTBEAT), hb, hb, TimeUnit.MILLISECONDS);
  }

  /** The stream thread, for the sessions API's filtering and tree scans. */
  Executor work() {
    return thread;
  }

  @Override
  public void sessionOpened(SessionRecord session) {
    offer("opened", session);
  }

  @Override
  public boolean wantsUpdates() {
    return anyone;
  }

  @Override
  public void sessionUpdated(SessionRecord session) {
    offer("updated", session);
  }

  @Override
  public void sessionFinished(SessionRecord session) {
    // A withdrawn session (shown under its trace id until a span named its real session) was no
    // session at all: readers drop it rather than list it as finished.
    offer(session.withdrawn() ? "withdrawn" : "finished", session);
  }

  private void offer(String type, SessionRecord session) {
    if (!anyone) {
      return; // nobody listens: no allocation, no queue traffic
    }
    if (!queue.offer(new Event(type, session))) {
      eventsDropped.increment();
      return;
    }
    // The first event after a drain schedules the next one; the rest ride along (one volatile
    // read each). A drain clears the flag before it polls, so no event is left behind.
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      try {
        thread.schedule(this::drain, DRAIN_INTERVAL_MS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed: nobody is served any more
      }
    }
  }

  /**
   * Answers a {@code GET /api/sessions/stream} on {@code ch}: the event-stream headers, then every
   * event from now on. Runs on {@code ch}'s I/O thread.
   *
   * @return false when {@code admin.max_stream_subscribers} readers are connected (nothing written)
   */
  boolean subscribe(Channel ch) {
    if (count.incrementAndGet() > maxSubscribers) {
      count.decrementAndGet();
      refused.increment();
      return false;
    }
    Subscriber s = new Subscriber(ch, new AtomicLong());
    // Joined before the headers are written: this runs on ch's event loop, so the stream thread's
    // writes queue behind the headers, and a reader that saw the headers sees every later event.
    subscribers.add(s);
    anyone = true;
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
    ch.write(head, ch.voidPromise());
    ch.writeAndFlush(
        new DefaultHttpContent(
            Unpooled.wrappedBuffer(
                ": hermes session stream\nretry: 2000\n\n".getBytes(StandardCharsets.US_ASCII))),
        ch.voidPromise());
    ch.closeFuture()
        .addListener(
            f -> {
              if (subscribers.remove(s)) {
                anyone = count.decrementAndGet() > 0;
              }
            });
    return true;
  }

  /** Renders and sends what the shards queued. Stream thread. */
  private void drain() {
    drainScheduled.set(false);
    Event e;
    while ((e = queue.poll()) != null) {
      try {
        broadcastFrame(frame(e.type(), e.session()));
        events.increment();
      } catch (IOException | RuntimeException x) {
        // One bad snapshot must not stop the stream; it cannot happen with Jackson on memory.
        eventsDropped.increment();
      }
    }
  }

  /**
   * One event as SSE bytes: {@code event: <type>} and one {@code data:} line holding the session
   * summary as compact JSON (JSON escapes every newline of agent strings, so an event is always
   * exactly these two lines and a blank one).
   */
  static byte[] frame(String type, SessionRecord s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.write(("event: " + type + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      SessionsApi.summary(g, s);
      g.writeEndObject();
    }
    out.write('\n');
    out.write('\n');
    return out.toByteArray();
  }

  /** Sends {@code bytes} to every subscriber, disconnecting those too far behind. */
  void broadcastFrame(byte[] bytes) {
    int n = bytes.length;
    for (Subscriber s : subscribers) {
      Channel ch = s.channel();
      if (s.pending().addAndGet(n) > bufferBytes) {
        // Too far behind: drop the reader rather than hold memory for it; it reconnects and
        // rereads /api/sessions when it can keep up again.
        if (subscribers.remove(s)) {
          dropped.increment();
          anyone = count.decrementAndGet() > 0;
        }
        ch.close();
        continue;
      }
      ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)))
          .addListener(f -> s.pending().addAndGet(-n));
    }
  }

  /** Connected readers. */
  int subscribers() {
    return subscribers.size();
  }

  /**
   * The stream's counters, read when telemetry is collected ({@code
   * hermes.collector.metrics.StreamMetrics} renders them as {@code hermes_collector_stream_*}).
   *
   * @param subscribers readers connected now
   * @param refused readers refused: {@code admin.max_stream_subscribers} were connected
   * @param dropped readers disconnected for falling {@code admin.stream_buffer_bytes} behind
   * @param events events sent to the readers (once per event, not per reader)
   * @param eventsDropped events lost: {@code admin.stream_queue_events} were waiting
   */
  public record Stats(
      int subscribers, long refused, long dropped, long events, long eventsDropped) {}

  /** The counters now; any thread. */
  public Stats stats() {
    return new Stats(count.get(), refused.sum(), dropped.sum(), events.sum(), eventsDropped.sum());
  }

  /** Stops the stream thread and disconnects every reader. */
  @Override
  public void close() {
    thread.shutdownNow();
    for (Subscriber s : subscribers) {
      s.channel().close();
    }
    subscribers.clear();
  }
}
