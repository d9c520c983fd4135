package hermes.collector.cost;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One entry of the price table: which models it prices (an anchored, case-insensitive regex and
 * optionally a provider), the base price, and tiers that replace it above an input size.
 *
 * @param match the full-match pattern on the model name
 * @param provider the provider the entry is limited to, or null for any
 * @param base the price up to the first tier
 * @param tiers tiers in increasing {@code aboveInputTokens}
 * @param updated when the price was last checked (as written in the file)
 * @param owner whose model it is (the provider of a call that names none), or null
 */
public record ModelPrice(
    Pattern match, String provider, Price base, List<Tier> tiers, String updated, String owner) {

  /**
   * A price that applies to a whole call when its input exceeds a size (as long-context prices do).
   *
   * @param aboveInputTokens the call's input must be larger than this
   * @param price the price for such calls
   */
  public record Tier(long aboveInputTokens, Price price) {}

  /** The price for a call with {@code inputTokens} of input. */
  public Price priceFor(long inputTokens) {
    Price p = base;
    for (Tier t : tiers) {
      if (inputTokens > t.aboveInputTokens()) {
        p = t.price();
      }
    }
    return p;
  }

  /** The provider of a call of this model that names none: the entry's provider, else its owner. */
  public String providerOfModel() {
    return provider != null ? provider : owner;
  }

  boolean matches(String model, String provider) {
    return (this.provider == null || this.provider.equals(provider))
        && match.matcher(model).matches();
  }
}
