package hermes.collector.ingest;

import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.OtlpJsonTranscoder;
import hermes.collector.proto.OtlpResponses.Signal;
import hermes.collector.proto.OverBoundException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.ResourceView;
import hermes.collector.proto.SignalScanner;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The one entry point every receiver funnels into: decodes a request body (protobuf, or OTLP/JSON
 * transcoded to protobuf), checks it, counts everything to its {@link IngestInstrumentation} and
 * asks its {@link TraceConsumer} (the assembler, or a {@link TraceFanOut} of it and the forwarder)
 * to take it. Transports only frame bytes and map the outcome to their status codes.
 *
 * <p>A trace request: room is reserved before it is decoded; a refused one is only scanned to count
 * its spans (never decoded, so a full pipeline costs little); an accepted one is decoded once, its
 * valid spans streamed into the reservation, then committed; malformed, it is aborted. The commit
 * may complete later (the forward spool answers once the request is durable).
 *
 * <p>Threading: safe for concurrent use by I/O threads; each thread gets its own reader (the
 * readers reuse their views). Nothing here blocks, logs or locks per span.
 */
public final class Ingest {
  private final TraceConsumer consumer;
  private final MetricsSink metricsSink;
  private final IngestInstrumentation metrics;
  private final ThreadLocal<TraceDecoder> decoders;
  private final OtlpJsonTranscoder jsonTraces;
  private final OtlpJsonTranscoder jsonMetrics;
  private final OtlpJsonTranscoder jsonLogs;
  private final SignalScanner tracesScanner;
  private final SignalScanner metricsScanner;
  private final SignalScanner logsScanner;
  private final MetricsBounds metricsBounds;

  /**
   * What one metrics request may make the bridge's parser build, checked by the scan before it is
   * parsed: a request over any bound is refused whole (HTTP 400, gRPC INVALID_ARGUMENT).
   *
   * @param maxPoints data points of every type ({@code metrics.bridge.max_points_per_request})
   * @param maxAttributes {@code KeyValue}s at any level ({@code
   *     metrics.bridge.max_attributes_per_request})
   * @param maxMessages messages of any type, each an object once parsed ({@code
   *     metrics.bridge.max_messages_per_request}): bounds what the other two do not count (empty
   *     metrics, exemplars, array values, ...)
   */
  public record MetricsBounds(int maxPoints, int maxAttributes, int maxMessages) {
    /** The configuration's defaults. */
    public static final MetricsBounds DEFAULT = new MetricsBounds(100_000, 100_000, 500_000);

    /** Validates the bounds. */
    public MetricsBounds {
      if (maxPoints < 1 || maxAttributes < 1 || maxMessages < 1) {
        throw new IllegalArgumentException(
            "metrics bounds must be >= 1: "
                + maxPoints
                + ", "
                + maxAttributes
                + ", "
                + maxMessages);
      }
    }
  }

  /**
   * An ingest decoding with {@code limits}, feeding {@code consumer}, reporting to {@code metrics}.
   */
  public Ingest(ReaderLimits limits, TraceConsumer consumer, IngestInstrumentation metrics) {
    this(limits, consumer, MetricsSink.NONE, metrics);
  }

  /** As above, with OTLP metrics going to {@code metricsSink}. */
  public Ingest(
      ReaderLimits limits,
      TraceConsumer consumer,
      MetricsSink metricsSink,
      IngestInstrumentation metrics) {
    this(limits, consumer, metricsSink, MetricsBounds.DEFAULT, metrics);
  }

  /** As above, with {@code metricsBounds} on what a metrics request may hold. */
  public Ingest(
      ReaderLimits limits,
      TraceConsumer consumer,
      MetricsSink metricsSink,
      MetricsBounds metricsBounds,
      IngestInstrumentation metrics) {
    Objects.requireNonNull(limits, "limits");
    this.metricsBounds = Objects.requireNonNull(metricsBounds, "metricsBounds");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.metricsSink = Objects.requireNonNull(metricsSink, "metricsSink");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    decoders = ThreadLocal.withInitial(() -> new TraceDecoder(limits));
    jsonTraces = OtlpJsonTranscoder.traces(limits);
    jsonMetrics = OtlpJsonTranscoder.metrics(limits);
    jsonLogs = OtlpJsonTranscoder.logs(limits);
    tracesScanner = SignalScanner.traces(limits);
    metricsScanner = SignalScanner.metrics(limits);
    logsScanner = SignalScanner.logs(limits);
  }

  /** Where this ingest reports (the transports report their responses there too). */
  public IngestInstrumentation metrics() {
    return metrics;
  }

  /**
   * Ingests one {@code ExportTraceServiceRequest}, waiting for the forward spool's write when there
   * is one: for callers that may wait (tests, benchmarks); I/O threads use {@link #tracesAsync}.
   *
   * @return how many spans were rejected as invalid, and why
   * @throws MalformedOtlpException the body is not a valid request; nothing of it was kept
   * @throws PipelineFullException the sink or the forwarder had no room, or the forward spool could
   *     not be written; nothing of it was kept
   */
  public ExportResult traces(byte[] body, Encoding encoding, Protocol protocol)
      throws MalformedOtlpException, PipelineFullException {
    CompletableFuture<ExportResult> f = tracesAsync(body, encoding, protocol);
    try {
      return f.join();
    } catch (CompletionException e) {
      throw unwrap(e);
    }
  }

  /**
   * The {@link PipelineFullException} a future of {@link #tracesAsync} failed with (the only
   * exception it completes with; anything else, a bug, is refused the same way: retry later).
   */
  public static PipelineFullException unwrap(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (c instanceof PipelineFullException p) {
      return p;
    }
    return new PipelineFullException("internal error (" + c + "), retry later");
  }

  /**
   * Ingests one {@code ExportTraceServiceRequest} without blocking: decoding, checks and refusals
   * happen on the calling thread; with a forward spool, the request is kept only once the spool's
   * own thread has written it, and the returned future completes then (on that thread). Answer the
   * client when it completes: that is when the request is durable.
   *
   * @return completes with how many spans were rejected as invalid, and why; or exceptionally with
   *     a {@link PipelineFullException} when the spool write failed or the pipeline filled up
   *     meanwhile (nothing of it was kept)
   * @throws MalformedOtlpException the body is not a valid request; nothing of it was kept
   * @throws PipelineFullException a consumer had no room; nothing of it was kept
   */
  public CompletableFuture<ExportResult> tracesAsync(
      byte[] body, Encoding encoding, Protocol protocol)
      throws MalformedOtlpException, PipelineFullException {
    metrics.requestBytes(protocol, Signal.TRACES, body.length);
    TraceDecoder d = decoders.get();
    TraceConsumer.Reservation reservation;
    byte[] pb;
    try {
      pb = encoding == Encoding.JSON ? jsonTraces.toProtobuf(body) : body;
      reservation = consumer.reserve(new TraceConsumer.RequestShape(protocol, pb.length));
      TraceConsumer.Outcome refused = reservation.refusal();
      if (refused != null) {
        throw refuse(refused, tracesScanner.scan(pb)); // counted, not decoded
      }
      d.start(reservation);
      try {
        d.reader.read(pb, d);
      } catch (MalformedOtlpException | RuntimeException | Error e) {
        // A consumer that threw on a span (a bug) must not keep the room it reserved either: the
        // forward queue's bytes would never come back and it would refuse everything after.
        reservation.abort();
        throw e;
      }
    } catch (MalformedOtlpException e) {
      metrics.decodeError(protocol, Signal.TRACES, encoding);
      throw e;
    } finally {
      d.batch = null;
    }
    Decoded decoded = d.outcome(); // the decoder is this thread's: read it before it is reused
    CompletableFuture<TraceConsumer.Outcome> taken =
        reservation.commit(pb, decoded.spans(), TraceConsumer.Next.NONE);
    TraceConsumer.Outcome now = taken.getNow(null);
    if (now != null) { // no spool: answered at once, refusals thrown
      return CompletableFuture.completedFuture(answer(now, protocol, encoding, decoded));
    }
    return taken.thenApply(
        t -> {
          try {
            return answer(t, protocol, encoding, decoded);
          } catch (PipelineFullException e) {
            throw new CompletionException(e);
          }
        });
  }

  private ExportResult answer(
      TraceConsumer.Outcome o, Protocol protocol, Encoding encoding, Decoded decoded)
      throws PipelineFullException {
    if (o == TraceConsumer.Outcome.ACCEPTED) {
      return counted(protocol, encoding, decoded);
    }
    throw refuse(o, decoded.spans());
  }

  /** Counts an accepted request's spans; its answer. */
  private ExportResult counted(Protocol protocol, Encoding encoding, Decoded o) {
    metrics.spansReceived(protocol, encoding, o.accepted());
    metrics.spansRefused(IngestInstrumentation.Refusal.INVALID_SPAN, o.rejected());
    metrics.attributesUnindexed(o.unindexed());
    if (o.rejected() == 0) {
      return ExportResult.ALL_ACCEPTED;
    }
    return new ExportResult(
        o.rejected(),
        o.rejected()
            + " of "
            + (o.rejected() + o.accepted())
            + " spans rejected: "
            + o.firstReason());
  }

  /** What decoding one request found, kept past the decoder's reuse. */
  private record Decoded(int accepted, int rejected, int unindexed, String firstReason) {
    int spans() {
      return accepted + rejected;
    }
  }

  /**
   * Validates and counts one {@code ExportMetricsServiceRequest}, then hands it to the bridge.
   *
   * @throws MalformedOtlpException the body is not a valid request, or holds more points,
   *     attributes or messages than {@link MetricsBounds} allow (the message names the key to
   *     raise); nothing of it was kept
   */
  public ExportResult metrics(byte[] body, Encoding encoding, Protocol protocol)
      throws MalformedOtlpException {
    metrics.requestBytes(protocol, Signal.METRICS, body.length);
    byte[] pb;
    int points;
    ExportResult result;
    try {
      pb = encoding == Encoding.JSON ? jsonMetrics.toProtobuf(body) : body;
      // Counted before the bridge parses it: parsing builds an object per point and per
      // key-value (~160 and ~340 bytes of heap for 2 and 10 bytes on the wire), so a request
      // within otlp.max_request_bytes could otherwise exhaust the heap (bench/RESULTS.md).
      points =
          metricsScanner
              .scan(
                  pb,
                  metricsBounds.maxPoints(),
                  metricsBounds.maxAttributes(),
                  metricsBounds.maxMessages())
              .items();
      result = metricsSink.accept(pb);
    } catch (MalformedOtlpException e) {
      metrics.decodeError(protocol, Signal.METRICS, encoding);
      throw e;
    } catch (OverBoundException e) {
      throw overBound(e); // a sibling clause: not counted as a decode error
    }
    metrics.metricPoints(protocol, encoding, (int) Math.max(0, points - result.rejected()));
    return result;
  }

  /** Counts a metrics request refused for a bound; the exception that answers its client. */
  private MalformedOtlpException overBound(OverBoundException e) {
    IngestInstrumentation.MetricsRefusal reason =
        switch (e.bound()) {
          case ITEMS -> IngestInstrumentation.MetricsRefusal.MAX_POINTS;
          case ATTRIBUTES -> IngestInstrumentation.MetricsRefusal.MAX_ATTRIBUTES;
          case MESSAGES -> IngestInstrumentation.MetricsRefusal.MAX_MESSAGES;
        };
    metrics.metricsRequestRefused(reason);
    String what =
        switch (reason) {
          case MAX_POINTS ->
              " data points in one metrics export (metrics.bridge.max_points_per_request)";
          case MAX_ATTRIBUTES ->
              " attributes in one metrics export (metrics.bridge.max_attributes_per_request)";
          case MAX_MESSAGES ->
              " protobuf messages in one metrics export"
                  + " (metrics.bridge.max_messages_per_request)";
        };
    return new MalformedOtlpException(
        "Too large: more than "
            + e.limit()
            + what
            + "; nothing of it was applied: export in smaller batches or raise the bound");
  }

  /** Validates and counts one {@code ExportLogsServiceRequest}. */
  public ExportResult logs(byte[] body, Encoding encoding, Protocol protocol)
      throws MalformedOtlpException {
    metrics.requestBytes(protocol, Signal.LOGS, body.length);
    try {
      byte[] pb = encoding == Encoding.JSON ? jsonLogs.toProtobuf(body) : body;
      metrics.logRecords(protocol, encoding, logsScanner.scan(pb));
    } catch (MalformedOtlpException e) {
      metrics.decodeError(protocol, Signal.LOGS, encoding);
      throw e;
    }
    return ExportResult.ALL_ACCEPTED;
  }

  /** Counts a refused request's spans; the exception that tells its client to retry. */
  private PipelineFullException refuse(TraceConsumer.Outcome why, int spans) {
    metrics.spansRefused(why.refusal(), spans);
    String what =
        switch (why) {
          case FORWARD_FULL -> "forward queue full: ";
          case SPOOL_ERROR -> "cannot write the forward spool: ";
          default -> "pipeline full: ";
        };
    return new PipelineFullException(what + spans + " spans refused, retry later");
  }

  /** The longest span name quoted in a partial-success message, in UTF-8 bytes. */
  static final int MAX_QUOTED_NAME_BYTES = 64;

  /**
   * The span's name, cut to {@link #MAX_QUOTED_NAME_BYTES} on a character boundary: decoding a 10
   * MiB name only to quote it would cost its size twice.
   */
  static String namePrefix(SpanView span) {
    int len = span.nameLength();
    if (len <= MAX_QUOTED_NAME_BYTES) {
      return span.name();
    }
    byte[] buf = span.buffer();
    int off = span.nameOffset();
    int end = MAX_QUOTED_NAME_BYTES;
    while (end > 0 && (buf[off + end] & 0xC0) == 0x80) {
      end--; // never split a UTF-8 sequence
    }
    return new String(buf, off, end, StandardCharsets.UTF_8) + "... (" + len + " bytes)";
  }

  /** Per-thread decoding state: the reader and the visitor that sorts spans. */
  private static final class TraceDecoder implements TraceVisitor {
    final TraceRequestReader reader;
    TraceConsumer.Reservation batch;
    int accepted;
    int rejected;
    int unindexed;
    String firstReason;

    TraceDecoder(ReaderLimits limits) {
      reader = new TraceRequestReader(limits);
    }

    Decoded outcome() {
      return new Decoded(accepted, rejected, unindexed, firstReason);
    }

    void start(TraceConsumer.Reservation b) {
      batch = b;
      accepted = rejected = unindexed = 0;
      firstReason = null;
    }

    @Override
    public void resource(ResourceView resource) {
      if (batch != null) {
        batch.resource(resource);
      }
    }

    @Override
    public void span(SpanView span) {
      String reason = span.invalidReason();
      if (reason != null) {
        if (rejected++ == 0) {
          firstReason = reason + " (span '" + namePrefix(span) + "')";
        }
        return;
      }
      accepted++;
      unindexed += span.attributes().unindexed();
      if (batch != null) {
        batch.span(span);
      }
    }
  }
}
