package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OTLP/gRPC receiver against hostile clients: gzip bombs and corrupt gzip from a real grpc-java
 * client, many connections with many unfinished large messages (a raw HTTP/2 client), and more
 * connections than allowed.
 */
class GrpcGuardsIT {
  private static final int MIB = 1024 * 1024;
  private final RecordingSink sink = new RecordingSink();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Collector collector;

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (collector != null) {
      collector.close();
    }
  }

  private ManagedChannel channel(CompressorRegistry compressors) {
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcAddress().getPort())
            .usePlaintext();
    if (compressors != null) {
      b.compressorRegistry(compressors);
    }
    ManagedChannel c = b.build();
    channels.add(c);
    return c;
  }

  private static ExportTraceServiceRequest withAttribute(String value) {
    KeyValue kv =
        KeyValue.newBuilder()
            .setKey("gen_ai.input.messages")
            .setValue(AnyValue.newBuilder().setStringValue(value))
            .build();
    return RefusalsIT.request(RefusalsIT.span(1).toBuilder().addAttributes(kv).build());
  }

  private void assertGoodCallOk(ManagedChannel c) {
    int before = sink.spans.size();
    ExportTraceServiceResponse ok =
        TraceServiceGrpc.newBlockingStub(c)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .export(RefusalsIT.request(RefusalsIT.span(before + 100)));
    assertThat(ok.hasPartialSuccess()).isFalse();
    assertThat(sink.spans).hasSize(before + 1);
  }

  /** Collects what grpc-java logs through java.util.logging at WARNING and above. */
  private static final class JulRecords extends Handler implements AutoCloseable {
    final ConcurrentLinkedQueue<LogRecord> records = new ConcurrentLinkedQueue<>();
    final Logger grpc = Logger.getLogger("io.grpc");

    JulRecords() {
      grpc.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        records.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      grpc.removeHandler(this);
    }
  }

  /** A "gzip" compressor that sends the first half of a real gzip stream, or garbage. */
  private static Codec brokenGzip(boolean garbage) {
    return new Codec() {
      @Override
      public String getMessageEncoding() {
        return "gzip";
      }

      @Override
      public OutputStream compress(OutputStream os) throws IOException {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        return new FilterOutputStream(new GZIPOutputStream(whole)) {
          @Override
          public void close() throws IOException {
            super.close();
            byte[] gz = whole.toByteArray();
            if (garbage) {
              Arrays.fill(gz, (byte) 0x5a);
            }
            os.write(gz, 0, garbage ? gz.length : gz.length / 2);
            os.close();
          }
        };
      }

      @Override
      public InputStream decompress(InputStream is) {
        throw new UnsupportedOperationException();
      }
    };
  }

  @Test
  void decompressionFailuresAnswerTheirStatusWithoutStackTraces() throws Exception {
    collector = TestCollectors.start(sink);
    try (JulRecords jul = new JulRecords()) {
      // 40 MiB after inflation, ~40 KiB on the wire: past otlp.max_request_bytes (20 MiB).
      ExportTraceServiceRequest bomb = withAttribute("x".repeat(40 * MIB));
      ManagedChannel plain = channel(null);
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(
                () ->
                    TraceServiceGrpc.newBlockingStub(plain)
                        .withCompression("gzip")
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .export(bomb))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                  assertThat(e.getStatus().getDescription())
                      .isEqualTo("request exceeds 20971520 bytes after decompression");
                });
      }
      for (boolean garbage : new boolean[] {false, true}) {
        ManagedChannel broken = channelWith(brokenGzip(garbage));
        assertThatThrownBy(
                () ->
                    TraceServiceGrpc.newBlockingStub(broken)
                        .withCompression("gzip")
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .export(withAttribute("y".repeat(10_000))))
            .as(garbage ? "garbage gzip" : "truncated gzip")
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription())
                      .startsWith("Malformed: cannot decompress the message: ");
                });
      }
      assertGoodCallOk(plain);
      assertThat(jul.records).extracting(LogRecord::getMessage).isEmpty();
    }
    assertThat(sink.spans).hasSize(1);
    assertThat(
            TestCollectors.sample(
                collector, "hermes_collector_grpc_decompress_errors_total{reason=\"too_large\",}"))
        .isEqualTo(3);
    assertThat(
            TestCollectors.sample(
                collector, "hermes_collector_grpc_decompress_errors_total{reason=\"corrupt\",}"))
        .isEqualTo(2);
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_requests_total{protocol=\"grpc\",signal=\"traces\","
                    + "code=\"RESOURCE_EXHAUSTED\",}"))
        .isEqualTo(3);
    assertThat(
            TestCollectors.sample(
                collector,
                "hermes_collector_decode_errors_total{protocol=\"grpc\",signal=\"traces\","
                    + "encoding=\"protobuf\",}"))
        .isEqualTo(2);
  }

  private ManagedChannel channelWith(Codec codec) {
    CompressorRegistry r = CompressorRegistry.newEmptyInstance();
    r.register(codec);
    return channel(r);
  }

  /** One raw HTTP/2 connection that opens export streams and leaves their messages unfinished. */
  private static final class UnfinishedClient {
    final Channel connection;
    final List<CompletableFuture<Void>> settled = new ArrayList<>();
    final AtomicInteger answered = new AtomicInteger();

    UnfinishedClient(EventLoopGroup group, InetSocketAddress server) throws Exception {
      connection =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              Http2FrameCodecBuilder.forClient().build(),
                              new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                  })
              .connect(server)
              .sync()
              .channel();
    }

    /** Declares a message of {@code declared} bytes and sends {@code sent} of them. */
    void stream(int port, int declared, int sent) throws Exception {
      // Settled when the server answers, or when it has taken every byte sent.
      CompletableFuture<Void> done = new CompletableFuture<>();
      settled.add(done);
      Http2StreamChannel s =
          new Http2StreamChannelBootstrap(connection)
              .handler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      if (msg instanceof Http2HeadersFrame) {
                        answered.incrementAndGet();
                        done.complete(null);
                      }
                      ReferenceCountUtil.release(msg);
                    }
                  })
              .open()
              .sync()
              .getNow();
      Http2Headers h =
          new DefaultHttp2Headers()
              .method("POST")
              .scheme("http")
              .authority("127.0.0.1:" + port)
              .path("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
              .set("content-type", "application/grpc")
              .set("te", "trailers");
      s.write(new DefaultHttp2HeadersFrame(h, false));
      ByteBuf prefix = Unpooled.buffer(5).writeByte(0).writeInt(declared);
      s.write(new DefaultHttp2DataFrame(prefix, false));
      ChannelFuture last = null;
      for (int off = 0; off < sent; off += CHUNK.length) {
        int n = Math.min(CHUNK.length, sent - off);
        last = s.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(CHUNK, 0, n), false));
      }
      last.addListener(f -> done.complete(null));
      s.flush();
    }
  }

  private static long directMemoryUsed() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct"))
        .mapToLong(BufferPoolMXBean::getMemoryUsed)
        .sum();
  }

  private static final byte[] CHUNK = new byte[64 * 1024];

  @Test
  void unfinishedMessagesOnManyConnectionsAreBoundedAcrossAll() throws Exception {
    // Earlier tests in this JVM leave pooled direct memory behind: count only what this one adds.
    long directBefore = directMemoryUsed();
    collector = TestCollectors.start(sink);
    int port = collector.grpcAddress().getPort();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    List<UnfinishedClient> clients = new ArrayList<>();
    try {
      // 4 connections x 16 streams, each declaring 15 MiB and sending all but the last byte:
      // 960 MiB held by the server without a bound across connections.
      for (int c = 0; c < 4; c++) {
        UnfinishedClient client = new UnfinishedClient(group, collector.grpcAddress());
        clients.add(client);
        for (int i = 0; i < 16; i++) {
          client.stream(port, 15 * MIB, 15 * MIB - 1);
        }
      }
      // Every stream ends up either wholly taken (its window was credited) or refused.
      for (UnfinishedClient client : clients) {
        for (CompletableFuture<Void> f : client.settled) {
          f.get(120, TimeUnit.SECONDS);
        }
      }
      int answered = clients.stream().mapToInt(c -> c.answered.get()).sum();
      // Client and server share this JVM; the client sends from heap arrays. Netty keeps pooled
      // chunks after use, so this is the peak: the budget (64 MiB) plus the flow-control windows
      // of the refused streams, not 960 MiB.
      long direct = directMemoryUsed() - directBefore;
      assertThat(direct).as("direct memory used by this test").isLessThan(200L * MIB);
      double refused =
          TestCollectors.sample(
              collector, "hermes_collector_grpc_calls_refused_total{reason=\"inflight_bytes\",}");
      assertThat(refused).as("streams refused").isGreaterThanOrEqualTo(48);
      assertThat(answered).as("streams answered").isLessThanOrEqualTo((int) refused);
      // A refused call is counted by status when its stream closes, just after the refusal.
      String unavailable =
          "hermes_collector_requests_total{protocol=\"grpc\",signal=\"traces\","
              + "code=\"UNAVAILABLE\",}";
      long countedBy = System.nanoTime() + 30_000_000_000L;
      while (TestCollectors.sample(collector, unavailable) < refused
          && System.nanoTime() < countedBy) {
        Thread.sleep(10); // polls the condition (every refusal counted)
      }
      assertThat(TestCollectors.sample(collector, unavailable)).isEqualTo(refused);
      assertThat(TestCollectors.sample(collector, "hermes_collector_grpc_inflight_bytes"))
          .isBetween(0.0, 64.0 * MIB);
      // The hostile connections live on; a good client gets OK.
      for (UnfinishedClient client : clients) {
        assertThat(client.connection.isActive()).isTrue();
      }
      assertGoodCallOk(channel(null));
    } finally {
      for (UnfinishedClient client : clients) {
        client.connection.close().await(5, TimeUnit.SECONDS);
      }
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void connectionsPastTheCapAreClosedAndCounted() throws Exception {
    collector = TestCollectors.start(sink, "otlp.grpc.max_connections", "3");
    InetSocketAddress addr = collector.grpcAddress();
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        held.add(new Socket(addr.getAddress(), addr.getPort()));
      }
      // Wait until the three are counted, then the fourth is closed at once.
      while (TestCollectors.sample(collector, "hermes_collector_grpc_connections") < 3) {
        Thread.onSpinWait();
      }
      try (Socket extra = new Socket(addr.getAddress(), addr.getPort())) {
        extra.setSoTimeout(30_000);
        assertThat(extra.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(
              TestCollectors.sample(collector, "hermes_collector_grpc_connections_refused_total"))
          .isEqualTo(1);
      held.remove(0).close();
      while (TestCollectors.sample(collector, "hermes_collector_grpc_connections") > 2) {
        Thread.onSpinWait();
      }
      assertGoodCallOk(channel(null));
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
