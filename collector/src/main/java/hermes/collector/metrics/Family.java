package hermes.collector.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The series of one metric, found by their label values without allocating on a hit: up to four
 * labels, looked up through nested maps keyed by the (interned) values. A new combination passes
 * every value through its {@link LabelGuard}, so the number of series stays bounded.
 *
 * <p>Threading: lookups and creation are safe from any thread; series are created at most once per
 * combination of guarded values.
 *
 * @param <S> the series type
 */
final class Family<S> {
  final String name;
  final String help;
  final List<String> labelNames;
  private final LabelGuard[] guards;
  private final Function<List<String>, S> create;
  private final ConcurrentHashMap<Object, Object> root = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<List<String>, S> byGuardedValues = new ConcurrentHashMap<>();

  Family(
      String name,
      String help,
      List<String> labelNames,
      int cap,
      Function<List<String>, S> create) {
    this.name = name;
    this.help = help;
    this.labelNames = List.copyOf(labelNames);
    this.guards = new LabelGuard[labelNames.size()];
    for (int i = 0; i < guards.length; i++) {
      guards[i] = new LabelGuard(name, labelNames.get(i), cap);
    }
    this.create = create;
  }

  S get() {
    return get0(List.of());
  }

  @SuppressWarnings("unchecked")
  S get(String a) {
    Object s = root.get(a);
    return s != null ? (S) s : (S) root.computeIfAbsent(a, k -> get0(List.of(a)));
  }

  @SuppressWarnings("unchecked")
  S get(String a, String b) {
    ConcurrentHashMap<Object, Object> m = level(root, a);
    Object s = m.get(b);
    return s != null ? (S) s : (S) m.computeIfAbsent(b, k -> get0(List.of(a, b)));
  }

  @SuppressWarnings("unchecked")
  S get(String a, String b, String c) {
    ConcurrentHashMap<Object, Object> m = level(level(root, a), b);
    Object s = m.get(c);
    return s != null ? (S) s : (S) m.computeIfAbsent(c, k -> get0(List.of(a, b, c)));
  }

  @SuppressWarnings("unchecked")
  S get(String a, String b, String c, String d) {
    ConcurrentHashMap<Object, Object> m = level(level(level(root, a), b), c);
    Object s = m.get(d);
    return s != null ? (S) s : (S) m.computeIfAbsent(d, k -> get0(List.of(a, b, c, d)));
  }

  @SuppressWarnings("unchecked")
  private static ConcurrentHashMap<Object, Object> level(
      ConcurrentHashMap<Object, Object> m, String v) {
    Object next = m.get(v);
    if (next == null) {
      next = m.computeIfAbsent(v, k -> new ConcurrentHashMap<>());
    }
    return (ConcurrentHashMap<Object, Object>) next;
  }

  private S get0(List<String> raw) {
    List<String> guarded = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      guarded.add(guards[i].admit(raw.get(i)));
    }
    return byGuardedValues.computeIfAbsent(List.copyOf(guarded), v -> create.apply(v));
  }

  /** Every series with its label values, sorted by them (stable exposition). */
  List<Map.Entry<List<String>, S>> series() {
    List<Map.Entry<List<String>, S>> out = new ArrayList<>(byGuardedValues.entrySet());
    out.sort(
        (a, b) -> {
          for (int i = 0; i < a.getKey().size(); i++) {
            int c = a.getKey().get(i).compareTo(b.getKey().get(i));
            if (c != 0) {
              return c;
            }
          }
          return 0;
        });
    return out;
  }

  LabelGuard[] guards() {
    return guards;
  }
}
