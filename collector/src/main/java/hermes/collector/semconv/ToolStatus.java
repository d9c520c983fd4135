package hermes.collector.semconv;

/** The outcome of a tool call; the {@code status} label of {@code hermes_tool_call_total}. */
public enum ToolStatus {
  /** Finished without error. */
  SUCCESS("success"),
  /** Failed. */
  ERROR("error"),
  /** Timed out. */
  TIMEOUT("timeout");

  private final String label;

  ToolStatus(String label) {
    this.label = label;
  }

  /** The label value. */
  public String label() {
    return label;
  }
}
