package hermes.collector.bench.loadgen;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves the corpus' sessions to the present: each trace is shifted so that it ends at {@code now},
 * keeping its spans' order and durations, so the sessions show in Jaeger's default search window
 * (the corpus itself is dated in the past, for reproducible benchmarks). Stateless.
 */
final class NearNow {
  private NearNow() {}

  static List<ExportTraceServiceRequest> shift(
      List<ExportTraceServiceRequest> requests, long nowNanos) {
    Map<com.google.protobuf.ByteString, Long> traceEnd = new HashMap<>();
    for (ExportTraceServiceRequest r : requests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            traceEnd.merge(s.getTraceId(), s.getEndTimeUnixNano(), Math::max);
          }
        }
      }
    }
    List<ExportTraceServiceRequest> out = new ArrayList<>(requests.size());
    for (ExportTraceServiceRequest r : requests) {
      ExportTraceServiceRequest.Builder b = r.toBuilder();
      for (ResourceSpans.Builder rs : b.getResourceSpansBuilderList()) {
        for (ScopeSpans.Builder ss : rs.getScopeSpansBuilderList()) {
          for (Span.Builder s : ss.getSpansBuilderList()) {
            long by = nowNanos - traceEnd.get(s.getTraceId());
            s.setStartTimeUnixNano(s.getStartTimeUnixNano() + by)
                .setEndTimeUnixNano(s.getEndTimeUnixNano() + by);
            for (Span.Event.Builder e : s.getEventsBuilderList()) {
              e.setTimeUnixNano(e.getTimeUnixNano() + by);
            }
          }
        }
      }
      out.add(b.build());
    }
    return out;
  }
}
