package hermes.collector.ingest;

/** The body encoding of a request; the {@code encoding} label of the self metrics. */
public enum Encoding {
  /** Binary protobuf ({@code application/x-protobuf}, and all of gRPC). */
  PROTOBUF("protobuf"),
  /** OTLP/JSON ({@code application/json}). */
  JSON("json");

  private final String label;

  Encoding(String label) {
    this.label = label;
  }

  /** The label value. */
  public String label() {
    return label;
  }
}
