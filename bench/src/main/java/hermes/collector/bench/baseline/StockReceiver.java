package hermes.collector.bench.baseline;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The stock baseline: an OTLP/gRPC trace receiver written the ordinary way, to measure the
 * collector against. The generated {@code TraceService} stub (so protobuf-java parses every request
 * into generated messages), every span's attributes copied into a {@code HashMap}, and spans and
 * tokens counted per model in a {@code ConcurrentHashMap}. No sessions, no histograms, no
 * forwarding: it does strictly less than the collector.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar hermes.collector.bench.baseline.StockReceiver
 * [port]} (default 14317), then point {@code hermes-loadgen --protocol grpc} at it.
 *
 * <p>Threading: {@link #export} runs on grpc-java's executor, concurrently.
 */
public final class StockReceiver extends TraceServiceGrpc.TraceServiceImplBase
    implements AutoCloseable {
  private final Map<String, LongAdder> spansByModel = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> tokensByModel = new ConcurrentHashMap<>();
  private final LongAdder spans = new LongAdder();
  private final Server server;

  /** Starts a receiver on {@code 127.0.0.1:port} (0: a free port). */
  public StockReceiver(int port) throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .maxInboundMessageSize(20 << 20)
            .addService(this)
            .build()
            .start();
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** Spans received so far. */
  public long spans() {
    return spans.sum();
  }

  @Override
  public void export(
      ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, Object> resource = attributes(rs.getResource().getAttributesList());
      resource.get("service.name"); // what a receiver would key on
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          Map<String, Object> attributes = attributes(span.getAttributesList());
          Object model = attributes.getOrDefault("gen_ai.request.model", "none");
          spansByModel.computeIfAbsent(model.toString(), k -> new LongAdder()).increment();
          long tokens =
              asLong(attributes.get("gen_ai.usage.input_tokens"))
                  + asLong(attributes.get("gen_ai.usage.output_tokens"));
          if (tokens > 0) {
            tokensByModel.computeIfAbsent(model.toString(), k -> new LongAdder()).add(tokens);
          }
          spans.increment();
        }
      }
    }
    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
    response.onCompleted();
  }

  /**
   * Attributes into a map, values as Java objects: the ordinary way, shared with the JMH baseline.
   */
  public static Map<String, Object> attributes(Iterable<KeyValue> kvs) {
    Map<String, Object> out = new HashMap<>();
    for (KeyValue kv : kvs) {
      out.put(kv.getKey(), value(kv.getValue()));
    }
    return out;
  }

  private static Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      case BYTES_VALUE:
        return v.getBytesValue().toByteArray();
      case ARRAY_VALUE:
        return v.getArrayValue().getValuesList().stream().map(StockReceiver::value).toList();
      case KVLIST_VALUE:
        return attributes(v.getKvlistValue().getValuesList());
      default:
        return null;
    }
  }

  private static long asLong(Object o) {
    return o instanceof Long l ? l : 0;
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 14317;
    StockReceiver r = new StockReceiver(port);
    System.err.println("stock OTLP/gRPC trace receiver on 127.0.0.1:" + r.port());
    Runtime.getRuntime().addShutdownHook(new Thread(r::close));
    r.server.awaitTermination();
  }
}
