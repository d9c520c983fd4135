package hermes.collector.proto;

/**
 * One entry of a decoded {@code KeyValueList}, kept as a list entry rather than a map entry because
 * OTLP allows repeated keys and their order is meaningful to a faithful copy.
 *
 * @param key the key
 * @param value the decoded value as {@link Attributes#value(int)} returns it
 */
public record KeyValueEntry(String key, Object value) {}
