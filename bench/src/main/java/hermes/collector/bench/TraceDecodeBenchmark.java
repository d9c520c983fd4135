package hermes.collector.bench;

import com.google.protobuf.CodedInputStream;
import hermes.collector.bench.baseline.StockReceiver;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding one corpus of reference-plugin spans three ways: our streaming reader (visiting every
 * span, touching ids and attribute keys as the normalizer will), {@code parseFrom} plus attributes
 * into maps (what a Java user would write), and a skip-only scan (the floor any decoder pays).
 * Scores are per span.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TraceDecodeBenchmark {
  static final int SPANS = 8192;

  List<byte[]> requests;
  final TraceRequestReader reader = new TraceRequestReader(ReaderLimits.DEFAULT);

  @Setup
  public void setup() {
    requests = HermesCorpus.requests(1, SPANS, 512);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void streamingReader(Blackhole bh) throws MalformedOtlpException {
    TraceVisitor v = touchingEverySpan(bh);
    for (byte[] r : requests) {
      bh.consume(reader.read(r, v));
    }
  }

  /** A visitor that touches ids, times and every attribute's scalar, as the normalizer will. */
  static TraceVisitor touchingEverySpan(Blackhole bh) {
    return new TraceVisitor() {
      @Override
      public void span(SpanView s) {
        bh.consume(s.spanId() ^ s.traceIdLow() ^ s.parentSpanId());
        bh.consume(s.endTimeUnixNano() - s.startTimeUnixNano());
        var a = s.attributes();
        for (int i = 0; i < a.size(); i++) {
          bh.consume(a.longValue(i));
        }
      }
    };
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void parseFromWithAttributeMaps(Blackhole bh) throws IOException {
    for (byte[] r : requests) {
      ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(r);
      for (ResourceSpans rs : req.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            bh.consume(StockReceiver.attributes(s.getAttributesList()));
            bh.consume(s.getSpanId());
          }
        }
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void skipOnlyScan(Blackhole bh) throws IOException {
    for (byte[] r : requests) {
      bh.consume(skip(CodedInputStream.newInstance(r), REQUEST));
    }
  }

  // Message kinds and, per kind, which field numbers hold a nested message (0 = none).
  private static final int REQUEST = 0;
  private static final int RESOURCE_SPANS = 1;
  private static final int RESOURCE = 2;
  private static final int SCOPE_SPANS = 3;
  private static final int SCOPE = 4;
  private static final int SPAN = 5;
  private static final int KEY_VALUE = 6;
  private static final int ANY_VALUE = 7;
  private static final int STATUS = 8;
  private static final int LIST = 9;
  private static final int[][] NESTED = {
    {-1, RESOURCE_SPANS},
    {-1, RESOURCE, SCOPE_SPANS},
    {-1, KEY_VALUE},
    {-1, SCOPE, SPAN},
    {-1, -1, -1, KEY_VALUE},
    {-1, -1, -1, -1, -1, -1, -1, -1, -1, KEY_VALUE, -1, LIST, -1, LIST, -1, STATUS},
    {-1, -1, ANY_VALUE},
    {-1, -1, -1, -1, -1, LIST, LIST},
    {},
    {-1, ANY_VALUE},
  };

  /** Visits every field of every message without decoding a value: the floor of any decoder. */
  private static int skip(CodedInputStream in, int kind) throws IOException {
    int fields = 0;
    int[] nested = NESTED[kind];
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      fields++;
      int field = tag >>> 3;
      if ((tag & 7) == 2 && field < nested.length && nested[field] >= 0) {
        int len = in.readRawVarint32();
        int old = in.pushLimit(len);
        fields += skip(in, nested[field]);
        in.popLimit(old);
      } else {
        in.skipField(tag);
      }
    }
    return fields;
  }
}
