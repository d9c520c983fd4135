package hermes.collector.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.bench.HermesCorpus;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NearNowTest {
  private static List<Span> spans(List<ExportTraceServiceRequest> requests) {
    List<Span> out = new ArrayList<>();
    requests.forEach(
        r ->
            r.getResourceSpansList()
                .forEach(
                    rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList()))));
    return out;
  }

  @Test
  void everySessionEndsNowWithItsShapeKept() {
    long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    List<ExportTraceServiceRequest> before = HermesCorpus.sessions(3, 20, 100);
    List<Span> old = spans(before);
    List<Span> shifted = spans(NearNow.shift(before, now));
    assertThat(shifted).hasSameSizeAs(old);
    Map<Object, Long> lastEnd = new HashMap<>();
    for (int i = 0; i < old.size(); i++) {
      Span o = old.get(i);
      Span s = shifted.get(i);
      assertThat(s.getSpanId()).isEqualTo(o.getSpanId());
      assertThat(s.getEndTimeUnixNano() - s.getStartTimeUnixNano())
          .isEqualTo(o.getEndTimeUnixNano() - o.getStartTimeUnixNano());
      // The corpus is dated 2025: every span now lies in the hour before now.
      assertThat(s.getEndTimeUnixNano()).isBetween(now - TimeUnit.HOURS.toNanos(1), now);
      lastEnd.merge(s.getTraceId(), s.getEndTimeUnixNano(), Math::max);
    }
    assertThat(lastEnd.values()).allMatch(end -> end == now);
  }
}
