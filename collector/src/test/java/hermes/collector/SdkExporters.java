package hermes.collector;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry Java SDK's OTLP span exporters, for tests that export span by span (a {@code
 * SimpleSpanProcessor}, as an agent's instrumentation may).
 *
 * <p>Why not the exporters' defaults: the SDK's OkHttp sender runs its calls on a pool of at most
 * five threads without a queue, and a call promoted while all five are busy is rejected ("executor
 * rejected", an {@code InterruptedIOException} the SDK does not retry): a span-by-span exporter
 * with more than five exports in flight loses spans on the client side, at random, on a loaded
 * machine. These exporters run their calls on an unbounded pool of daemon threads instead.
 *
 * <p>Threading: the pool is shared by every exporter and every test; its idle threads end after a
 * minute.
 */
final class SdkExporters {
  private static final ExecutorService CALLS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sdk-exporter-call");
            t.setDaemon(true);
            return t;
          });

  private SdkExporters() {}

  /** An OTLP/HTTP (protobuf) span exporter to the collector on {@code port} of 127.0.0.1. */
  static SpanExporter http(int port) {
    return OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + port + "/v1/traces")
        .setExecutorService(CALLS)
        .build();
  }

  /** An OTLP/gRPC span exporter to the collector on {@code port} of 127.0.0.1. */
  static SpanExporter grpc(int port) {
    return OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + port)
        .setExecutorService(CALLS)
        .build();
  }

  /**
   * Waits until every span ended so far on {@code provider} is exported, for at most 30 s, and
   * fails the test if one was not. Asks again every few seconds: with a span-by-span processor the
   * result of one {@code forceFlush} now and then never completes although every export it waits
   * for did (seen with SDK 1.67: every request answered 200, every exporter thread idle, the result
   * still pending 15 s later); a later {@code forceFlush} waits on what is pending then.
   */
  static void flush(SdkTracerProvider provider) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!provider.forceFlush().join(3, TimeUnit.SECONDS).isSuccess()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("spans not exported within 30 s (see the SDK's log for why)");
      }
    }
  }
}
