package hermes.collector.cost;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable, ordered list of {@link ModelPrice} entries; the first entry matching a call's model
 * (and provider, when the entry names one) prices it. Lookups are cached per model and provider, so
 * the regexes run once per distinct pair.
 *
 * <p>Threading: safe for concurrent lookups.
 */
public final class PriceTable {
  private static final int MAX_CACHED = 16_384;

  private final List<ModelPrice> entries;
  // By model, then provider (calls without one: noProvider). Nested rather than keyed by a joined
  // string: the names are the normalizer's interned strings with their hashes cached, so a hit
  // costs no allocation and no hashing (a joined key cost both, per LLM call).
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Optional<ModelPrice>>> cache =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Optional<ModelPrice>> noProvider =
      new ConcurrentHashMap<>();
  private final AtomicInteger cached = new AtomicInteger(); // entries in cache and noProvider
  private final ConcurrentHashMap<String, Optional<String>> owners = new ConcurrentHashMap<>();

  /** A table of {@code entries}, first match wins. */
  public PriceTable(List<ModelPrice> entries) {
    this.entries = List.copyOf(entries);
  }

  /** How many entries the table has. */
  public int size() {
    return entries.size();
  }

  /**
   * Whose model {@code model} is, by the first entry whose pattern matches it whatever its provider
   * restriction ({@code owner}, else {@code provider}); null when no entry says.
   */
  public String providerOf(String model) {
    if (model == null) {
      return null;
    }
    Optional<String> hit = owners.get(model);
    if (hit == null) {
      hit = Optional.empty();
      for (ModelPrice e : entries) {
        if (e.providerOfModel() != null && e.match().matcher(model).matches()) {
          hit = Optional.of(e.providerOfModel());
          break;
        }
      }
      if (owners.size() >= MAX_CACHED) {
        owners.clear();
      }
      owners.put(model, hit);
    }
    return hit.orElse(null);
  }

  /** The entry pricing {@code model} from {@code provider} (either may be null), or null. */
  public ModelPrice lookup(String model, String provider) {
    if (model == null) {
      return null;
    }
    ConcurrentHashMap<String, Optional<ModelPrice>> byProvider =
        provider == null ? noProvider : cache.get(model);
    Optional<ModelPrice> hit =
        byProvider == null ? null : byProvider.get(provider == null ? model : provider);
    if (hit == null) {
      hit = Optional.empty();
      for (ModelPrice e : entries) {
        if (e.matches(model, provider)) {
          hit = Optional.of(e);
          break;
        }
      }
      if (cached.get() >= MAX_CACHED) {
        // names are bounded upstream; this only guards against a pathological mix
        cache.clear();
        noProvider.clear();
        cached.set(0);
      }
      if (provider == null) {
        byProvider = noProvider;
      } else {
        byProvider = cache.computeIfAbsent(model, k -> new ConcurrentHashMap<>());
      }
      if (byProvider.put(provider == null ? model : provider, hit) == null) {
        cached.incrementAndGet();
      }
    }
    return hit.orElse(null);
  }
}
