package hermes.collector.ingest;

/** The transport a request came in on; the {@code protocol} label of the self metrics. */
public enum Protocol {
  /** OTLP/HTTP. */
  HTTP("http"),
  /** OTLP/gRPC. */
  GRPC("grpc");

  private final String label;

  Protocol(String label) {
    this.label = label;
  }

  /** The label value. */
  public String label() {
    return label;
  }
}
