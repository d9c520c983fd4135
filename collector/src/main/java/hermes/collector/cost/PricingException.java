package hermes.collector.cost;

/** A price file that cannot be used; the message names the entry, the field and the problem. */
public final class PricingException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public PricingException(String message) {
    super(message);
  }
}
