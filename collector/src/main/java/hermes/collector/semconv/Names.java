package hermes.collector.semconv;

import java.util.List;

/**
 * The bounded name tables shared by every normalizer: what may become a label value or appear in a
 * session tree goes through one of these. Threading: safe for concurrent use.
 */
public final class Names {
  final NameTable models;
  final NameTable providers;
  final NameTable tools;
  final NameTable platforms;
  final NameTable services;
  final NameTable finishReasons;
  final NameTable errorTypes;

  /** Tables holding at most {@code cap} names each. */
  public Names(int cap) {
    models = new NameTable("model", cap);
    providers = new NameTable("provider", cap);
    tools = new NameTable("tool", cap);
    platforms = new NameTable("platform", cap);
    services = new NameTable("service", cap);
    finishReasons = new NameTable("finish_reason", cap);
    errorTypes = new NameTable("error_type", cap);
  }

  /** Every table, for the overflow metric. */
  public List<NameTable> all() {
    return List.of(models, providers, tools, platforms, services, finishReasons, errorTypes);
  }
}
