package hermes.collector.proto;

/** The kind of an OTLP {@code AnyValue}; {@link #EMPTY} when no value field is set. */
public enum ValueType {
  EMPTY,
  STRING,
  BOOL,
  INT,
  DOUBLE,
  BYTES,
  ARRAY,
  KVLIST;

  private static final ValueType[] VALUES = values();

  static ValueType of(int ordinal) {
    return VALUES[ordinal];
  }
}
