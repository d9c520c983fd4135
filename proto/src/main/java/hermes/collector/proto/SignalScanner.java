package hermes.collector.proto;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Set;

/**
 * Validates a serialized {@code ExportMetricsServiceRequest}, {@code ExportLogsServiceRequest} or
 * {@code ExportTraceServiceRequest} and counts its items (data points, log records, spans) without
 * decoding values.
 *
 * <p>Threading: immutable, safe to share across threads.
 */
public final class SignalScanner {
  private final MessageScanner scanner;
  private final int maxNesting;

  private SignalScanner(MessageScanner scanner, ReaderLimits limits) {
    this.scanner = scanner;
    this.maxNesting = MessageScanner.nestingFor(limits.maxAttributeDepth());
  }

  /** A scanner for metrics requests counting data points of every type. */
  public static SignalScanner metrics(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return new SignalScanner(
        new MessageScanner(
            ExportMetricsServiceRequest.getDescriptor(),
            Set.of(
                NumberDataPoint.getDescriptor(),
                HistogramDataPoint.getDescriptor(),
                ExponentialHistogramDataPoint.getDescriptor(),
                SummaryDataPoint.getDescriptor())),
        limits);
  }

  /**
   * A scanner for trace requests counting spans: what a refused request costs (its spans are
   * counted, never decoded).
   */
  public static SignalScanner traces(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return new SignalScanner(
        new MessageScanner(
            io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.getDescriptor(),
            Set.of(io.opentelemetry.proto.trace.v1.Span.getDescriptor())),
        limits);
  }

  /** A scanner for logs requests counting log records. */
  public static SignalScanner logs(ReaderLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return new SignalScanner(
        new MessageScanner(
            ExportLogsServiceRequest.getDescriptor(), Set.of(LogRecord.getDescriptor())),
        limits);
  }

  /**
   * Checks the request and counts its items.
   *
   * @throws MalformedOtlpException when the bytes are not a well-formed request
   */
  public int scan(byte[] request) throws MalformedOtlpException {
    Objects.requireNonNull(request, "request");
    return scanner.scan(request, 0, request.length, maxNesting);
  }

  /**
   * What a bounded scan counted.
   *
   * @param items the counted items (data points of every type for a metrics scanner)
   * @param attributes {@code KeyValue} messages at any level: resource, scope, item and exemplar
   *     attributes, and the entries of key-value list values nested in them
   * @param messages messages of any type below the request (resources, scopes, metrics, points,
   *     exemplars, key-values, values, lists, ...): each one an object once parsed
   */
  public record Counts(int items, int attributes, int messages) {}

  /**
   * Checks the request and counts its items, attributes and messages, stopping at the first count
   * past its bound: what a request would make a parser build, known before anything is built. The
   * scan allocates nothing per item beyond the skipping decoder of each nested message.
   *
   * @throws MalformedOtlpException when the bytes (up to where the scan stopped) are not a
   *     well-formed request
   * @throws OverBoundException when the request holds more than {@code maxItems} items, more than
   *     {@code maxAttributes} attributes or more than {@code maxMessages} messages
   */
  public Counts scan(byte[] request, int maxItems, int maxAttributes, int maxMessages)
      throws MalformedOtlpException, OverBoundException {
    Objects.requireNonNull(request, "request");
    MessageScanner.Tally tally =
        new MessageScanner.Tally(KeyValue.getDescriptor(), maxItems, maxAttributes, maxMessages);
    scanner.scan(request, 0, request.length, maxNesting, tally);
    return new Counts(tally.items, tally.attributes, tally.messages);
  }

  /** As {@link #scan(byte[])}, over the remaining bytes of a buffer (position unchanged). */
  public int scan(ByteBuffer request) throws MalformedOtlpException {
    return scan(Buffers.toArray(request));
  }
}
