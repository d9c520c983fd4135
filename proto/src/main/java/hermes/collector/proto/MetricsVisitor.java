package hermes.collector.proto;

/**
 * Receives an {@code ExportMetricsServiceRequest} as the reader walks it: resource, scope, metric,
 * then each of the metric's points. Views are reused; copy what you keep. Threading: called on the
 * reader's thread; the reader may throw after some calls when the request turns out malformed.
 */
public interface MetricsVisitor {
  /** A new {@code ResourceMetrics} begins. */
  default void resource(ResourceView resource) {}

  /** A new {@code ScopeMetrics} begins. */
  default void scope(ScopeView scope) {}

  /** A metric begins; its points follow. */
  default void metric(MetricView metric) {}

  /** One data point of the current metric. */
  void point(PointView point);
}
