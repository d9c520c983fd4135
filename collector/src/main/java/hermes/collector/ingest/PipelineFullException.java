package hermes.collector.ingest;

/**
 * The pipeline behind the receiver has no room for this request; nothing of it was kept. Clients
 * are told to retry: HTTP 503 with {@code Retry-After}, gRPC {@code UNAVAILABLE}.
 */
public final class PipelineFullException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates the exception; the message is returned to the client. */
  public PipelineFullException(String message) {
    super(message, null, false, false);
  }
}
