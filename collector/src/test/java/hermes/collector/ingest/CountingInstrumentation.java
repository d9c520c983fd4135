package hermes.collector.ingest;

import hermes.collector.proto.OtlpResponses.Signal;
import java.util.EnumMap;
import java.util.Map;

/** Counts what ingest reports, for tests (one thread at a time). */
final class CountingInstrumentation implements IngestInstrumentation {
  final Map<Refusal, Integer> refused = new EnumMap<>(Refusal.class);
  int received;
  int decodeErrors;

  synchronized int refused(Refusal r) {
    return refused.getOrDefault(r, 0);
  }

  @Override
  public void httpInFlightBytes(long delta) {}

  @Override
  public void grpcCallInFlight(int delta) {}

  @Override
  public void request(Protocol protocol, Signal signal, String code) {}

  @Override
  public void requestBytes(Protocol protocol, Signal signal, int bytes) {}

  @Override
  public synchronized void decodeError(Protocol protocol, Signal signal, Encoding encoding) {
    decodeErrors++;
  }

  @Override
  public synchronized void spansReceived(Protocol protocol, Encoding encoding, int spans) {
    received += spans;
  }

  @Override
  public synchronized void spansRefused(Refusal reason, int spans) {
    refused.merge(reason, spans, Integer::sum);
  }

  @Override
  public void attributesUnindexed(int n) {}

  @Override
  public void metricPoints(Protocol protocol, Encoding encoding, int points) {}

  @Override
  public void logRecords(Protocol protocol, Encoding encoding, int records) {}
}
