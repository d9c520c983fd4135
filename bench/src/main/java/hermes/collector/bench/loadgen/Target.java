package hermes.collector.bench.loadgen;

import java.util.concurrent.CompletableFuture;

/**
 * Where the load goes: one OTLP trace endpoint over one protocol. Threading: {@link #send} may be
 * called from any thread, concurrently.
 */
interface Target extends AutoCloseable {
  /** What became of one request. */
  enum Result {
    /** Accepted (HTTP 200, gRPC OK). */
    OK,
    /** Refused with "retry later" (HTTP 429/503, gRPC UNAVAILABLE/RESOURCE_EXHAUSTED). */
    REFUSED,
    /** Anything else: another status, a broken connection, a timeout. */
    ERROR
  }

  /** Sends one serialized export request; never completes exceptionally. */
  CompletableFuture<Result> send(byte[] body);

  @Override
  void close();
}
