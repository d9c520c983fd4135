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

  /** Tables holding at most {@code cap} names each, of at most 256 UTF-8 bytes. */
  public Names(int cap) {
    this(cap, 256);
  }

  /**
   * Tables holding at most {@code cap} names each, cut to at most {@code maxNameBytes} UTF-8 bytes
   * ({@code semconv.max_name_bytes}).
   */
  public Names(int cap, int maxNameBytes) {
    models = new NameTable("model", cap, maxNameBytes);
    providers = new NameTable("provider", cap, maxNameBytes);
    tools = new NameTable("tool", cap, maxNameBytes);
    platforms = new NameTable("platform", cap, maxNameBytes);
    services = new NameTable("service", cap, maxNameBytes);
    finishReasons = new NameTable("finish_reason", cap, maxNameBytes);
    errorTypes = new NameTable("error_type", cap, maxNameBytes);
  }

  /** Every table, for the overflow and truncation metrics. */
  public List<NameTable> all() {
    return List.of(models, providers, tools, platforms, services, finishReasons, errorTypes);
  }
}
