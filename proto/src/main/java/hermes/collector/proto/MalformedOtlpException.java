package hermes.collector.proto;

/**
 * The one exception the wire layer throws for input it cannot accept: truncated or corrupt
 * protobuf, invalid JSON, values nested past the configured depth. The message says what and where,
 * e.g. {@code "Malformed: truncated length-delimited field 4 in Span at byte 1873"}, and is safe to
 * return to the client.
 */
public final class MalformedOtlpException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message for the client. */
  public MalformedOtlpException(String message) {
    super(message, null, false, false);
  }
}
