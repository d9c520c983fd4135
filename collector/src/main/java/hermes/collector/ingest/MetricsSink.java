package hermes.collector.ingest;

import hermes.collector.proto.MalformedOtlpException;

/**
 * Where validated {@code ExportMetricsServiceRequest}s go (the OTLP metrics bridge). Called on I/O
 * threads, concurrently.
 */
public interface MetricsSink {
  /** Accepts everything and keeps nothing (the receivers still count the points). */
  MetricsSink NONE = request -> ExportResult.ALL_ACCEPTED;

  /**
   * Takes one request in protobuf form.
   *
   * @return how many data points it rejected, and why
   * @throws MalformedOtlpException when the request cannot be decoded after all
   */
  ExportResult accept(byte[] request) throws MalformedOtlpException;
}
