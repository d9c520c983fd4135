package hermes.collector.semconv;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded set of canonical names of one kind (models, providers, tools, ...): the same name is
 * always the same {@code String}, and past the cap a new name becomes {@link #OVERFLOW} and is
 * counted, so a misbehaving agent cannot grow memory or label cardinality without bound.
 *
 * <p>Threading: safe for concurrent use. Callers keep a per-thread {@link NameCache} in front, so
 * the shared map is consulted once per new name per thread, not per span.
 */
public final class NameTable {
  /** What a name past the cap becomes. */
  public static final String OVERFLOW = "__other__";

  private final String kind;
  private final int cap;
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder overflows = new LongAdder();

  /** A table of {@code kind} names holding at most {@code cap} of them. */
  public NameTable(String kind, int cap) {
    this.kind = kind;
    this.cap = cap;
  }

  /** The canonical instance of {@code name}, or {@link #OVERFLOW} when the table is full. */
  public String canonical(String name) {
    String known = names.get(name);
    if (known != null) {
      return known;
    }
    if (size.incrementAndGet() > cap) {
      size.decrementAndGet();
      overflows.increment();
      return OVERFLOW;
    }
    String prior = names.putIfAbsent(name, name);
    if (prior != null) {
      size.decrementAndGet();
      return prior;
    }
    return name;
  }

  /** The kind of names, for the overflow metric's label. */
  public String kind() {
    return kind;
  }

  /** How many lookups were turned into {@link #OVERFLOW}. */
  public long overflows() {
    return overflows.sum();
  }

  /** How many names the table holds. */
  public int size() {
    return size.get();
  }
}
