package hermes.collector.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the values one label of one metric may take: the first {@code cap} distinct values are
 * admitted, later ones become {@code __other__} and are counted ({@code
 * hermes_collector_label_overflow_total{metric,label}}). Consulted only when a series is created.
 *
 * <p>Threading: safe for concurrent use.
 */
final class LabelGuard {
  static final String OTHER = "__other__";

  final String metric;
  final String label;
  private final int cap;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final AtomicInteger size = new AtomicInteger();
  final LongAdder overflows = new LongAdder();

  LabelGuard(String metric, String label, int cap) {
    this.metric = metric;
    this.label = label;
    this.cap = cap;
  }

  String admit(String value) {
    if (admitted.contains(value)) {
      return value;
    }
    if (size.incrementAndGet() > cap) {
      size.decrementAndGet();
      overflows.increment();
      return OTHER;
    }
    if (!admitted.add(value)) {
      size.decrementAndGet();
    }
    return value;
  }
}
