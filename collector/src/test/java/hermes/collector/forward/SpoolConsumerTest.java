package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import hermes.collector.config.CollectorConfig;
import hermes.collector.config.ConfigLoader;
import hermes.collector.cost.PriceFile;
import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.PipelineFullException;
import hermes.collector.ingest.Protocol;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.ingest.TraceFanOut;
import hermes.collector.metrics.ForwarderMetrics;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.session.AssemblyConfig;
import hermes.collector.session.AssemblyListener;
import hermes.collector.session.SessionAssembler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real spool and the real assembler behind one fan-out: the spool writes first, the assembler
 * commits on the spool's writer thread, and when it refuses (its queue bound), the record just
 * written is cut off again, so the backend never receives a request whose client was told to retry;
 * what is accepted is forwarded exactly once.
 */
class SpoolConsumerTest {
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private TraceForwarder forwarder;
  private SessionAssembler assembler;

  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    CollectorConfig.Forward config =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of(
                    "forward.endpoint", "http://127.0.0.1:9", // never used: the sender is a fake
                    "forward.linger", "0ms",
                    "forward.spool.dir", dir.toString()))
            .forward();
    Sender sender =
        new Sender() {
          @Override
          public Outcome send(byte[] batch, Duration timeout) {
            synchronized (received) {
              received.writeBytes(batch);
            }
            return Outcome.delivered(0);
          }

          @Override
          public void close() {}
        };
    forwarder = new TraceForwarder(config, new ForwarderMetrics(), sender);
    forwarder.start();
    Pricing pricing =
        Pricing.of(
            PriceFile.parse(
                new StringReader("models:\n  - match: \"m1\"\n    input: 1\n    output: 2\n"),
                "test"));
    Names names = new Names(256);
    // Never started: its shards do not drain, so what it accepted stays queued against the bound.
    assembler =
        new SessionAssembler(
            new AssemblyConfig(1, Duration.ofSeconds(1), Duration.ofSeconds(30), 100, 100, 10, 3),
            pricing,
            () -> new Normalizer(names, Map.of(), new LongAdder()),
            new AssemblyListener() {});
  }

  @AfterEach
  void stop() {
    forwarder.shutdown(Duration.ofSeconds(10));
  }

  @Test
  void aRefusalAfterTheSpoolWroteCutsTheRecordOff() throws Exception {
    Ingest ingest =
        new Ingest(
            ReaderLimits.DEFAULT, TraceFanOut.of(assembler, forwarder), IngestInstrumentation.NOOP);
    byte[] tooMany = request(1, 4); // 4 spans > the bound of 3: refused at commit, after the write
    CompletableFuture<?> refused = answer(ingest, tooMany);
    assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("pipeline full: 4 spans refused, retry later");
    byte[] two = request(2, 2);
    assertThat(answer(ingest, two).get(30, TimeUnit.SECONDS)).isNotNull();
    byte[] twoMore = request(3, 2); // 2 queued + 2 > 3: refused, cut off again
    assertThatThrownBy(() -> answer(ingest, twoMore).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class);
    byte[] one = request(4, 1);
    assertThat(answer(ingest, one).get(30, TimeUnit.SECONDS)).isNotNull();
    assertThat(assembler.queuedSpans()).isEqualTo(3);

    // At its bound the assembler refuses at reserve: a request is counted, not decoded (decoded
    // with an attribute depth limit of 1, this one would be malformed).
    Ingest strict =
        new Ingest(
            new ReaderLimits(1, 1024),
            TraceFanOut.of(assembler, forwarder),
            IngestInstrumentation.NOOP);
    assertThatThrownBy(() -> answer(strict, deepAttribute()).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("pipeline full: 1 spans refused, retry later");

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(two);
    expected.writeBytes(one);
    await(() -> receivedBytes().length >= expected.size());
    assertThat(receivedBytes()).isEqualTo(expected.toByteArray());
  }

  /**
   * A consumer whose commit throws while {@code failing} (a bug): what it would have taken part in
   * must be given back everywhere, and nothing of it forwarded.
   */
  private static TraceConsumer throwingAtCommit(AtomicBoolean failing) {
    return request ->
        new TraceConsumer.Reservation() {
          @Override
          public CompletableFuture<TraceConsumer.Outcome> commit(
              byte[] body, int spans, TraceConsumer.Next next) {
            if (failing.get()) {
              throw new IllegalStateException("a consumer's bug");
            }
            return next.commit().now();
          }

          @Override
          public void abort() {}
        };
  }

  @Test
  void aConsumerThrowingAfterTheSpoolWroteCutsTheRecordOff() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    Ingest ingest =
        new Ingest(
            ReaderLimits.DEFAULT,
            TraceFanOut.of(forwarder, throwingAtCommit(failing)),
            IngestInstrumentation.NOOP);
    byte[] lost = request(1, 1);
    assertThatThrownBy(() -> answer(ingest, lost).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class)
        .hasMessageStartingWith("cannot write the forward spool");
    failing.set(false);
    byte[] kept = request(2, 1); // as long as the first: the spool's offsets must not mix them up
    assertThat(kept).hasSameSizeAs(lost);
    assertThat(answer(ingest, kept).get(30, TimeUnit.SECONDS)).isNotNull();
    await(() -> receivedBytes().length >= kept.length);
    assertThat(receivedBytes()).isEqualTo(kept);
  }

  @Test
  void aConsumerThrowingAfterTheAssemblerGivesItsQueuedSpansBack() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    // Committed on the I/O thread (no spool before it): the assembler's own batch.
    Ingest direct =
        new Ingest(
            ReaderLimits.DEFAULT,
            TraceFanOut.of(assembler, throwingAtCommit(failing)),
            IngestInstrumentation.NOOP);
    assertThatThrownBy(() -> answer(direct, request(1, 2)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(assembler.queuedSpans()).isZero();
    // Committed on the spool's writer thread (detached): refused as a spool error.
    Ingest spooled =
        new Ingest(
            ReaderLimits.DEFAULT,
            TraceFanOut.of(forwarder, assembler, throwingAtCommit(failing)),
            IngestInstrumentation.NOOP);
    assertThatThrownBy(() -> answer(spooled, request(2, 2)).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class);
    assertThat(assembler.queuedSpans()).isZero();
    failing.set(false); // the whole bound (3) is still there
    assertThat(answer(direct, request(3, 3)).get(30, TimeUnit.SECONDS)).isNotNull();
    assertThat(assembler.queuedSpans()).isEqualTo(3);
  }

  @Test
  void aConsumerThrowingAfterTheInMemoryQueueGivesItsBytesBack() throws Exception {
    CollectorConfig.Forward config =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of("forward.endpoint", "http://127.0.0.1:9", "forward.linger", "0ms"))
            .forward();
    TraceForwarder memory =
        new TraceForwarder(
            config,
            new ForwarderMetrics(),
            new Sender() {
              @Override
              public Outcome send(byte[] batch, Duration timeout) {
                return Outcome.delivered(0);
              }

              @Override
              public void close() {}
            });
    memory.start();
    try {
      Ingest ingest =
          new Ingest(
              ReaderLimits.DEFAULT,
              TraceFanOut.of(memory, throwingAtCommit(new AtomicBoolean(true))),
              IngestInstrumentation.NOOP);
      assertThatThrownBy(() -> answer(ingest, request(1, 2)))
          .isInstanceOf(IllegalStateException.class);
      assertThat(memory.queuedBytes()).isZero();
    } finally {
      memory.shutdown(Duration.ofSeconds(10));
    }
  }

  /**
   * The answer to {@code body} as a future, however it came: the spool's writer may be done before
   * the call returns, and then a refusal is thrown at once.
   */
  private static CompletableFuture<?> answer(Ingest ingest, byte[] body) throws Exception {
    try {
      return ingest.tracesAsync(body, Encoding.PROTOBUF, Protocol.HTTP);
    } catch (PipelineFullException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private byte[] receivedBytes() {
    synchronized (received) {
      return received.toByteArray();
    }
  }

  /** One span with an array inside an array: attribute depth 2. */
  private static byte[] deepAttribute() throws Exception {
    io.opentelemetry.proto.common.v1.AnyValue leaf =
        io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setIntValue(1).build();
    io.opentelemetry.proto.common.v1.AnyValue inner =
        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
            .setArrayValue(io.opentelemetry.proto.common.v1.ArrayValue.newBuilder().addValues(leaf))
            .build();
    io.opentelemetry.proto.common.v1.AnyValue outer =
        io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
            .setArrayValue(
                io.opentelemetry.proto.common.v1.ArrayValue.newBuilder().addValues(inner))
            .build();
    ExportTraceServiceRequest r = ExportTraceServiceRequest.parseFrom(request(5, 1));
    return r.toBuilder()
        .setResourceSpans(
            0,
            r.getResourceSpans(0).toBuilder()
                .setScopeSpans(
                    0,
                    r.getResourceSpans(0).getScopeSpans(0).toBuilder()
                        .setSpans(
                            0,
                            r.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder()
                                .addAttributes(
                                    io.opentelemetry.proto.common.v1.KeyValue.newBuilder()
                                        .setKey("deep")
                                        .setValue(outer)))))
        .build()
        .toByteArray();
  }

  private static byte[] request(int trace, int spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      byte[] traceId = new byte[16];
      traceId[15] = (byte) trace;
      byte[] id = new byte[8];
      id[7] = (byte) (i + 1);
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(traceId))
              .setSpanId(ByteString.copyFrom(id))
              .setName("span-" + i)
              .setStartTimeUnixNano(1_000)
              .setEndTimeUnixNano(2_000));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build()
        .toByteArray();
  }

  /** Waits for {@code c}: a condition, not a guessed delay. */
  private static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(c.getAsBoolean()).as("condition within 30 s").isTrue();
  }
}
