package hermes.collector.semconv;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded set of canonical names of one kind (models, providers, tools, ...): the same name is
 * always the same {@code String}, and past the cap a new name becomes {@link #OVERFLOW} and is
 * counted, so a misbehaving agent cannot grow memory or label cardinality without bound. A name
 * longer than {@code maxBytes} UTF-8 bytes is cut to that length (on a code point boundary) before
 * it is interned, and counted, so neither can it grow one entry or one label value without bound.
 *
 * <p>Threading: safe for concurrent use. Callers keep a per-thread {@link NameCache} in front, so
 * the shared map is consulted once per new name per thread, not per span.
 */
public final class NameTable {
  /** What a name past the cap becomes. */
  public static final String OVERFLOW = "__other__";

  private final String kind;
  private final int cap;
  private final int maxBytes;
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder overflows = new LongAdder();
  private final LongAdder truncated = new LongAdder();

  /** A table of {@code kind} names holding at most {@code cap} of them, of 256 bytes at most. */
  public NameTable(String kind, int cap) {
    this(kind, cap, 256);
  }

  /**
   * A table of {@code kind} names holding at most {@code cap} of them, each cut to at most {@code
   * maxBytes} UTF-8 bytes.
   */
  public NameTable(String kind, int cap, int maxBytes) {
    this.kind = kind;
    this.cap = cap;
    this.maxBytes = maxBytes;
  }

  /**
   * The canonical instance of {@code name} (cut to {@link #maxBytes()} first), or {@link #OVERFLOW}
   * when the table is full.
   */
  public String canonical(String name) {
    return canonical(name, false);
  }

  /**
   * As {@link #canonical(String)}; {@code counted}: the caller already cut the name and counted it,
   * so a second cut (a normalization that grew it) is not counted twice.
   */
  String canonical(String name, boolean counted) {
    String cut = Utf8Cut.cut(name, maxBytes);
    if (cut != name) {
      if (!counted) {
        truncated.increment();
      }
      name = cut;
    }
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

  /** The most UTF-8 bytes a name keeps. */
  int maxBytes() {
    return maxBytes;
  }

  /** Counts one name cut to {@link #maxBytes()} by a caller in front of the table. */
  void countTruncated() {
    truncated.increment();
  }

  /** How many names were cut to {@code maxBytes}. */
  public long truncated() {
    return truncated.sum();
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
