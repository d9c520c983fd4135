package hermes.collector.proto;

/**
 * A request holds more items, attributes or messages than the caller allows: thrown by {@link
 * SignalScanner#scan(byte[], int, int, int)} as soon as a count passes its bound, before anything
 * of the request is built. The caller names the configuration key in its answer to the client.
 */
public final class OverBoundException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which count passed its bound. */
  public enum Bound {
    /** The counted items (data points, log records, spans). */
    ITEMS,
    /** Attributes: {@code KeyValue} messages at any level, nested ones included. */
    ATTRIBUTES,
    /** Messages of any type below the request: what the parser would build an object for. */
    MESSAGES
  }

  private final Bound bound;
  private final int limit;

  OverBoundException(Bound bound, int limit) {
    super(
        "more than "
            + limit
            + switch (bound) {
              case ITEMS -> " items";
              case ATTRIBUTES -> " attributes";
              case MESSAGES -> " messages";
            },
        null,
        false,
        false);
    this.bound = bound;
    this.limit = limit;
  }

  /** Which count passed its bound. */
  public Bound bound() {
    return bound;
  }

  /** The bound it passed. */
  public int limit() {
    return limit;
  }
}
