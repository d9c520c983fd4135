package hermes.collector.cost;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Parses {@code pricing.yaml}: a list of models, each with an anchored {@code match} regex, an
 * optional {@code provider}, prices in USD per million tokens ({@code input}, {@code output},
 * {@code cache_read}, {@code cache_write}, {@code reasoning}), optional {@code tiers} ({@code
 * above_input_tokens} plus the prices that change) and an {@code updated} date. A file is accepted
 * whole or rejected with a message naming the entry and the field.
 */
public final class PriceFile {
  private static final Set<String> MODEL_KEYS =
      Set.of(
          "match",
          "provider",
          "owner",
          "input",
          "output",
          "cache_read",
          "cache_write",
          "reasoning",
          "tiers",
          "updated");
  private static final Set<String> TIER_KEYS =
      Set.of("above_input_tokens", "input", "output", "cache_read", "cache_write", "reasoning");

  private PriceFile() {}

  /** Parses a price file; {@code source} names it in errors. */
  public static PriceTable parse(Reader in, String source) throws PricingException {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (YAMLException e) {
      throw new PricingException(source + ": invalid YAML: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> top) || !(top.get("models") instanceof List<?> models)) {
      throw new PricingException(source + ": expected a top-level 'models:' list");
    }
    List<ModelPrice> entries = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      String where = source + ": models[" + i + "]";
      if (!(models.get(i) instanceof Map<?, ?> m)) {
        throw new PricingException(where + ": expected a mapping");
      }
      entries.add(model(m, where));
    }
    return new PriceTable(entries);
  }

  /** Parses from a reader that may fail. */
  static PriceTable parse(ReaderSupplier in, String source) throws PricingException {
    try (Reader r = in.open()) {
      return parse(r, source);
    } catch (IOException e) {
      throw new PricingException(source + ": cannot read: " + e.getMessage());
    }
  }

  /** Opens a reader. */
  interface ReaderSupplier {
    Reader open() throws IOException;
  }

  private static ModelPrice model(Map<?, ?> m, String where) throws PricingException {
    Object match = m.get("match");
    if (!(match instanceof String regex) || regex.isBlank()) {
      throw new PricingException(where + ".match: required, a regular expression");
    }
    where = where + " (" + regex + ")";
    unknownKeys(m, MODEL_KEYS, where);
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new PricingException(where + ".match: invalid regex: " + e.getDescription());
    }
    Object provider = m.get("provider");
    Price base = price(m, null, where);
    List<ModelPrice.Tier> tiers = new ArrayList<>();
    if (m.get("tiers") != null) {
      if (!(m.get("tiers") instanceof List<?> list)) {
        throw new PricingException(where + ".tiers: expected a list");
      }
      long last = -1;
      for (int t = 0; t < list.size(); t++) {
        String tw = where + ".tiers[" + t + "]";
        if (!(list.get(t) instanceof Map<?, ?> tm)) {
          throw new PricingException(tw + ": expected a mapping");
        }
        unknownKeys(tm, TIER_KEYS, tw);
        Object above = tm.get("above_input_tokens");
        if (!(above instanceof Number n) || n.longValue() <= last) {
          throw new PricingException(
              tw + ".above_input_tokens: required, a token count larger than the previous tier's");
        }
        last = n.longValue();
        tiers.add(new ModelPrice.Tier(last, price(tm, base, tw)));
      }
    }
    return new ModelPrice(
        pattern,
        provider == null ? null : provider.toString().trim().toLowerCase(Locale.ROOT),
        base,
        tiers,
        m.get("updated") == null ? null : m.get("updated").toString(),
        m.get("owner") == null ? null : m.get("owner").toString().trim().toLowerCase(Locale.ROOT));
  }

  /** Prices of a model (inherit == null: input and output required) or of a tier. */
  private static Price price(Map<?, ?> m, Price inherit, String where) throws PricingException {
    long input = picoPerToken(m, "input", where, inherit == null ? -2 : inherit.input());
    long output = picoPerToken(m, "output", where, inherit == null ? -2 : inherit.output());
    // Without a cache price, cached tokens cost what input costs: never a silent discount.
    long cacheRead =
        picoPerToken(m, "cache_read", where, inherit == null ? input : inherit.cacheRead());
    long cacheWrite =
        picoPerToken(m, "cache_write", where, inherit == null ? input : inherit.cacheWrite());
    long reasoning =
        picoPerToken(m, "reasoning", where, inherit == null ? -1 : inherit.reasoning());
    return new Price(input, output, cacheRead, cacheWrite, reasoning);
  }

  private static long picoPerToken(Map<?, ?> m, String key, String where, long absent)
      throws PricingException {
    Object v = m.get(key);
    if (v == null) {
      if (absent == -2) {
        throw new PricingException(where + "." + key + ": required, USD per million tokens");
      }
      return absent;
    }
    try {
      BigDecimal usdPerMillion = new BigDecimal(v.toString().trim());
      if (usdPerMillion.signum() < 0) {
        throw new PricingException(where + "." + key + ": '" + v + "' is negative");
      }
      // USD per million tokens -> pico-dollars per token: times 10^12 / 10^6.
      return usdPerMillion.movePointRight(6).longValueExact();
    } catch (NumberFormatException e) {
      throw new PricingException(where + "." + key + ": '" + v + "' is not a number");
    } catch (ArithmeticException e) {
      throw new PricingException(
          where + "." + key + ": '" + v + "' has more than 6 decimals (USD per million tokens)");
    }
  }

  private static void unknownKeys(Map<?, ?> m, Set<String> known, String where)
      throws PricingException {
    for (Object k : m.keySet()) {
      if (!known.contains(String.valueOf(k))) {
        throw new PricingException(
            where
                + ": unknown key '"
                + k
                + "' (known: "
                + String.join(", ", new java.util.TreeSet<>(known))
                + ")");
      }
    }
  }
}
