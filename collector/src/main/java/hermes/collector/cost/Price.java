package hermes.collector.cost;

/**
 * Prices of one model (or one tier of it) in pico-dollars per token, so that costs add up exactly
 * in {@code long}s: $1 per million tokens is 1,000,000 pico-dollars per token, and any price with
 * up to six decimals in dollars per million is exact.
 *
 * @param input uncached input
 * @param output output (and reasoning, unless {@code reasoning} is set)
 * @param cacheRead input read from cache
 * @param cacheWrite input written to cache
 * @param reasoning reasoning tokens, or -1 to price them as output
 */
public record Price(long input, long output, long cacheRead, long cacheWrite, long reasoning) {
  /** Pico-dollars in one US dollar. */
  public static final long PICO_PER_USD = 1_000_000_000_000L;

  /**
   * The cost of one call: uncached input, cache reads and writes, and output each at their price;
   * reasoning (part of output) at its own price when the model has one. No token is counted twice
   * and none is dropped.
   */
  public long costPico(
      long inputTokens, long outputTokens, long cacheRead, long cacheWrite, long reasoning) {
    long uncached = Math.max(0, inputTokens - cacheRead - cacheWrite);
    long pico = uncached * input + cacheRead * this.cacheRead + cacheWrite * this.cacheWrite;
    if (this.reasoning >= 0) {
      long r = Math.min(reasoning, outputTokens);
      pico += (outputTokens - r) * output + r * this.reasoning;
    } else {
      pico += outputTokens * output;
    }
    return pico;
  }
}
