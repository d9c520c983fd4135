package hermes.collector.ingest;

/**
 * What an accepted export request tells the client: how many items it rejected (OTLP {@code
 * partial_success}) and why. Zero and null when everything was accepted.
 *
 * @param rejected items rejected as bad input
 * @param message why, naming the first problem; null when nothing was rejected
 */
public record ExportResult(long rejected, String message) {
  /** Everything accepted. */
  public static final ExportResult ALL_ACCEPTED = new ExportResult(0, null);
}
