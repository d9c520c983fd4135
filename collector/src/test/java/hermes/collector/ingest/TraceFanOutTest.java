package hermes.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import hermes.collector.ingest.IngestInstrumentation.Refusal;
import hermes.collector.ingest.TraceConsumer.Outcome;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one consumer contract, through {@link Ingest}: a fan-out reserves all or nothing, commits the
 * durable consumer first (answering when it is done, on its thread), undoes it when a later one
 * refuses, and reports one outcome, counted once; a refused request is counted, never decoded.
 */
class TraceFanOutTest {
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final FakeConsumer assembler = FakeConsumer.plain("assembler", log);
  private final FakeConsumer spool = FakeConsumer.durable("spool", log);
  private final CountingInstrumentation metrics = new CountingInstrumentation();

  @AfterEach
  void close() {
    spool.close();
  }

  private Ingest ingest(TraceConsumer... consumers) {
    return new Ingest(new ReaderLimits(1, 1024), TraceFanOut.of(consumers), metrics);
  }

  @Test
  void oneConsumerRefusingAtReserveAbortsTheOthersAndNothingIsDecoded() throws Exception {
    FakeConsumer forwarder = FakeConsumer.plain("forwarder", log);
    forwarder.refuseAtReserve = Outcome.FORWARD_FULL;
    Ingest ingest = ingest(assembler, forwarder);
    assertThatThrownBy(() -> ingest.traces(request(3), Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("forward queue full: 3 spans refused, retry later");
    assertThat(log).containsExactly("assembler.reserve", "forwarder.reserve", "assembler.abort");
    assertThat(assembler.spansSeen).isZero();
    assertThat(metrics.refused(Refusal.FORWARD_FULL)).isEqualTo(3);
    assertThat(metrics.received).isZero();
  }

  @Test
  void aFullPipelineRefusesARequestItWouldFindMalformedWithoutDecodingIt() throws Exception {
    byte[] deep = requestWithDeepAttribute(4);
    // Decoded, the request is malformed: its attribute nests deeper than the limit (1) allows.
    assertThatThrownBy(() -> ingest(assembler).traces(deep, Encoding.PROTOBUF, Protocol.GRPC))
        .isInstanceOf(MalformedOtlpException.class)
        .hasMessageContaining("nested deeper");
    assertThat(metrics.decodeErrors).isEqualTo(1);
    int seen = assembler.spansSeen; // the spans before the bad one were streamed
    // Full, it is refused as full: its spans are counted by a scan, never decoded.
    assembler.refuseAtReserve = Outcome.PIPELINE_FULL;
    assertThatThrownBy(() -> ingest(assembler).traces(deep, Encoding.PROTOBUF, Protocol.GRPC))
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("pipeline full: 4 spans refused, retry later");
    assertThat(metrics.decodeErrors).isEqualTo(1);
    assertThat(metrics.refused(Refusal.PIPELINE_FULL)).isEqualTo(4);
    assertThat(assembler.spansSeen).isEqualTo(seen);
  }

  @Test
  void theDurableConsumerCommitsFirstOnItsThreadAndTheAnswerWaitsForIt() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    spool.gate = gate; // the "disk write" waits until the test lets it go
    Ingest ingest = ingest(assembler, spool); // given second, committed first
    byte[] body = request(2);
    CompletableFuture<ExportResult> answer =
        ingest.tracesAsync(body, Encoding.PROTOBUF, Protocol.HTTP);
    assertThat(answer).isNotDone();
    assertThat(assembler.detached).as("detached on the I/O thread before it returned").isOne();
    assertThat(assembler.kept).isEmpty();
    gate.complete(null);
    assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(ExportResult.ALL_ACCEPTED);
    assertThat(log)
        .containsExactly("spool.reserve", "assembler.reserve", "spool.write", "assembler.write");
    assertThat(assembler.committedOn).isEqualTo("spool-writer");
    assertThat(assembler.spansSeen).isEqualTo(2);
    assertThat(spool.kept).containsExactly(body);
    assertThat(assembler.kept).containsExactly(body);
    assertThat(metrics.received).isEqualTo(2);
  }

  @Test
  void aRefusalAfterTheDurableWriteUndoesIt() throws Exception {
    assembler.refuseAtCommit = Outcome.PIPELINE_FULL;
    Ingest ingest = ingest(assembler, spool);
    CompletableFuture<ExportResult> answer = held(ingest, request(3));
    assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("pipeline full: 3 spans refused, retry later");
    assertThat(log)
        .containsExactly(
            "spool.reserve", "assembler.reserve", "spool.write", "assembler.refuse", "spool.undo");
    assertThat(spool.kept).isEmpty();
    assertThat(metrics.refused(Refusal.PIPELINE_FULL)).isEqualTo(3);
    assertThat(metrics.received).isZero();
  }

  @Test
  void aFailedDurableWriteAbortsTheOthersAndIsASpoolError() throws Exception {
    spool.refuseAtCommit = Outcome.SPOOL_ERROR;
    Ingest ingest = ingest(assembler, spool);
    CompletableFuture<ExportResult> answer = held(ingest, request(2));
    assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PipelineFullException.class)
        .hasMessage("cannot write the forward spool: 2 spans refused, retry later");
    assertThat(log)
        .containsExactly("spool.reserve", "assembler.reserve", "spool.refuse", "assembler.abort");
    assertThat(assembler.kept).isEmpty();
    assertThat(metrics.refused(Refusal.SPOOL_ERROR)).isEqualTo(2);
  }

  @Test
  void aMalformedRequestIsAbortedEverywhere() {
    Ingest ingest = ingest(assembler, spool);
    byte[] body = request(2);
    byte[] cut = java.util.Arrays.copyOf(body, body.length - 3);
    assertThatThrownBy(() -> ingest.traces(cut, Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(MalformedOtlpException.class);
    assertThat(log)
        .containsExactly("spool.reserve", "assembler.reserve", "spool.abort", "assembler.abort");
    assertThat(metrics.decodeErrors).isOne();
  }

  // A consumer that throws (a bug) must not keep the others' room: the forward queue's bytes, say,
  // would never come back and every request after would be refused.

  @Test
  void aConsumerThrowingOnASpanAbortsEveryReservation() {
    FakeConsumer forwarder = FakeConsumer.plain("forwarder", log);
    forwarder.throwAtSpan = new IllegalStateException("bug");
    Ingest ingest = ingest(assembler, forwarder);
    assertThatThrownBy(() -> ingest.traces(request(2), Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(IllegalStateException.class);
    assertThat(log)
        .containsExactly(
            "assembler.reserve", "forwarder.reserve", "assembler.abort", "forwarder.abort");
  }

  @Test
  void aConsumerThrowingAtReserveAbortsTheReservationsBeforeIt() {
    FakeConsumer forwarder = FakeConsumer.plain("forwarder", log);
    forwarder.throwAtReserve = new IllegalStateException("bug");
    Ingest ingest = ingest(assembler, forwarder);
    assertThatThrownBy(() -> ingest.traces(request(2), Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(IllegalStateException.class);
    assertThat(log).containsExactly("assembler.reserve", "forwarder.reserve", "assembler.abort");
  }

  @Test
  void aConsumerThrowingAtCommitAbortsTheOnesAfterIt() {
    FakeConsumer middle = FakeConsumer.plain("middle", log);
    FakeConsumer last = FakeConsumer.plain("last", log);
    middle.throwAtCommit = new IllegalStateException("bug");
    Ingest ingest = ingest(middle, last);
    assertThatThrownBy(() -> ingest.traces(request(2), Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(IllegalStateException.class);
    assertThat(log).containsExactly("middle.reserve", "last.reserve", "middle.throw", "last.abort");
    log.clear();
    Ingest three = ingest(assembler, middle, last);
    assertThatThrownBy(() -> three.traces(request(2), Encoding.PROTOBUF, Protocol.HTTP))
        .isInstanceOf(IllegalStateException.class);
    assertThat(log)
        .containsExactly(
            "assembler.reserve",
            "middle.reserve",
            "last.reserve",
            "assembler.write",
            "middle.throw",
            "last.abort");
  }

  @Test
  void atMostOneConsumerCommitsLater() {
    try (FakeConsumer other = FakeConsumer.durable("other", log)) {
      assertThatThrownBy(() -> TraceFanOut.of(spool, assembler, other))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(TraceFanOut.of(assembler)).isSameAs(assembler);
  }

  /**
   * The answer to {@code body}, the durable consumer's write held until the call returned: so the
   * answer comes from the writer's thread, never at once.
   */
  private CompletableFuture<ExportResult> held(Ingest ingest, byte[] body) throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    spool.gate = gate;
    CompletableFuture<ExportResult> answer =
        ingest.tracesAsync(body, Encoding.PROTOBUF, Protocol.HTTP);
    assertThat(answer).isNotDone();
    gate.complete(null);
    return answer;
  }

  static byte[] request(int spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      scope.addSpans(span(i));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build()
        .toByteArray();
  }

  /** {@code spans} spans, the last with an array attribute inside an array: depth 2. */
  static byte[] requestWithDeepAttribute(int spans) {
    AnyValue inner =
        AnyValue.newBuilder()
            .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setIntValue(1)))
            .build();
    AnyValue outer =
        AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(inner)).build();
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      Span.Builder s = span(i).toBuilder();
      if (i == spans - 1) {
        s.addAttributes(KeyValue.newBuilder().setKey("deep").setValue(outer));
      }
      scope.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build()
        .toByteArray();
  }

  private static Span span(int i) {
    byte[] trace = new byte[16];
    trace[15] = 1;
    byte[] id = new byte[8];
    id[7] = (byte) (i + 1);
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(trace))
        .setSpanId(ByteString.copyFrom(id))
        .setName("span-" + i)
        .setStartTimeUnixNano(1_000)
        .setEndTimeUnixNano(2_000)
        .build();
  }
}
