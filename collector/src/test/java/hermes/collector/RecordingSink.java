package hermes.collector;

import hermes.collector.ingest.Protocol;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.proto.Attributes;
import hermes.collector.proto.SpanView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink for tests: keeps a copy of every committed span; can be told the pipeline is full. */
public final class RecordingSink implements TraceConsumer {
  /** A copied span. */
  public record Recorded(
      Protocol protocol,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      long start,
      long end,
      int statusCode,
      String statusMessage,
      Map<String, Object> attributes,
      Map<String, Object> resource,
      String scope) {}

  public final List<Recorded> spans = new CopyOnWriteArrayList<>();
  public volatile boolean full;
  public volatile int aborted;

  @Override
  public Reservation reserve(RequestShape request) {
    if (full) {
      return Reservation.refused(Outcome.PIPELINE_FULL);
    }
    Protocol protocol = request.protocol();
    List<Recorded> pending = new ArrayList<>();
    return new Reservation() {
      @Override
      public void span(SpanView s) {
        pending.add(
            new Recorded(
                protocol,
                s.traceIdHex(),
                s.spanIdHex(),
                s.parentSpanIdHex(),
                s.name(),
                s.kind(),
                s.startTimeUnixNano(),
                s.endTimeUnixNano(),
                s.statusCode(),
                s.statusMessage(),
                map(s.attributes()),
                map(s.resource().attributes()),
                s.scope().name()));
      }

      @Override
      public CompletableFuture<Outcome> commit(byte[] request, int count, Next next) {
        Outcome o = next.commit();
        if (o == Outcome.ACCEPTED) {
          spans.addAll(pending);
        }
        return o.now();
      }

      @Override
      public void abort() {
        aborted++;
      }
    };
  }

  static Map<String, Object> map(Attributes a) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < a.size(); i++) {
      m.put(a.key(i), a.value(i));
    }
    return m;
  }
}
