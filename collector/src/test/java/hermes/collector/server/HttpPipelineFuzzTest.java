package hermes.collector.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.TraceConsumer;
import hermes.collector.metrics.ListenerMetrics;
import hermes.collector.metrics.SecurityMetrics;
import hermes.collector.proto.ReaderLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DefaultSocketChannelConfig;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import io.prometheus.client.CollectorRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the OTLP/HTTP pipeline as {@link OtlpHttpInitializer} builds it
 * (HTTP/1.1 request line and header parsing, the in-flight budget, body aggregation, the handler),
 * fed raw bytes in a few pieces: nothing escapes the pipeline as an exception, every byte the
 * server writes is an HTTP/1.1 response, and no buffer leaks. Seeds and inputs that once failed are
 * in {@code src/test/resources/.../HttpPipelineFuzzTestInputs}.
 */
class HttpPipelineFuzzTest {
  private static final int LIMIT = 64 * 1024;
  private static final hermes.collector.config.CollectorConfig DEFAULTS = defaults();
  private static final HttpListenerLimits LIMITS =
      new HttpListenerLimits(
          "otlp_http",
          DEFAULTS.otlp().httpConnections(),
          new ListenerMetrics(new CollectorRegistry(true)));
  private static final Security SECURITY = security();
  private static final Ingest INGEST =
      new Ingest(ReaderLimits.DEFAULT, TraceConsumer.DISCARD, IngestInstrumentation.NOOP);

  @FuzzTest(maxDuration = "5s")
  // libFuzzer dictionary syntax: CR LF written as \x0d\x0a (Jazzer passes entries as they are).
  @DictionaryEntries({
    "POST ",
    "GET ",
    " HTTP/1.1\\x0d\\x0a",
    " HTTP/1.0\\x0d\\x0a",
    "/v1/traces",
    "/v1/metrics",
    "/v1/logs",
    "\\x0d\\x0a",
    "\\x0d\\x0a\\x0d\\x0a",
    "Content-Length: ",
    "Transfer-Encoding: chunked",
    "Content-Encoding: gzip",
    "Content-Type: application/json",
    "Content-Type: application/x-protobuf",
    "Connection: close",
    "Expect: 100-continue",
    "Host: a",
    "0\\x0d\\x0a\\x0d\\x0a",
    "9223372036854775807",
    "-1"
  })
  void answersOrCloses(FuzzedDataProvider data) {
    EmbeddedSocket channel = new EmbeddedSocket();
    OtlpHttpHandler handler = new OtlpHttpHandler(INGEST, LIMIT, 1);
    channel
        .pipeline()
        .addLast(
            new OtlpHttpInitializer(
                handler,
                LIMIT,
                new InFlightLimiter.Budget(4L * LIMIT, delta -> {}),
                LIMITS,
                SECURITY,
                INGEST.metrics()));
    int pieces = data.consumeInt(1, 4);
    for (int i = 0; i < pieces && channel.isOpen(); i++) {
      byte[] piece =
          i == pieces - 1
              ? data.consumeRemainingAsBytes()
              : data.consumeBytes(data.consumeInt(0, 4096));
      channel.writeInbound(Unpooled.wrappedBuffer(piece));
      channel.runPendingTasks();
      channel.checkException();
    }
    for (Object out; (out = channel.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) out;
      try {
        if (b.readableBytes() >= 9
            && b.getCharSequence(b.readerIndex(), 5, StandardCharsets.US_ASCII)
                .toString()
                .startsWith("HTTP")
            && !b.getCharSequence(b.readerIndex(), 9, StandardCharsets.US_ASCII)
                .toString()
                .startsWith("HTTP/1.1 ")) {
          throw new AssertionError(
              "not an HTTP/1.1 response: " + b.toString(StandardCharsets.UTF_8));
        }
      } finally {
        b.release();
      }
    }
    channel.close();
    channel.runPendingTasks();
    channel.checkException();
    channel.finishAndReleaseAll();
  }

  /** An embedded channel that is a {@link SocketChannel}, as the initializer expects. */
  private static hermes.collector.config.CollectorConfig defaults() {
    try {
      return hermes.collector.config.ConfigLoader.load(
          null, java.util.Map.of(), java.util.Map.of());
    } catch (hermes.collector.config.ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Security security() {
    try {
      return Security.load(
          DEFAULTS.security(), "", new SecurityMetrics(new CollectorRegistry(true)));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One unconnected socket for every channel's config: Netty's config sets TCP_NODELAY on it, which
   * opens a file descriptor, and a new one per fuzz run ran the JVM out of them.
   */
  private static final Socket SOCKET = new Socket();

  private static final class EmbeddedSocket extends EmbeddedChannel implements SocketChannel {
    // Set lazily: EmbeddedChannel's constructor asks for the config before fields are assigned.
    private SocketChannelConfig config;

    @Override
    public ServerSocketChannel parent() {
      return null;
    }

    @Override
    public SocketChannelConfig config() {
      if (config == null) {
        config = new DefaultSocketChannelConfig(this, SOCKET);
      }
      return config;
    }

    @Override
    public InetSocketAddress localAddress() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), 4318);
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    }

    @Override
    public boolean isInputShutdown() {
      return !isOpen();
    }

    @Override
    public ChannelFuture shutdownInput() {
      return close();
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
      return close(promise);
    }

    @Override
    public boolean isOutputShutdown() {
      return !isOpen();
    }

    @Override
    public ChannelFuture shutdownOutput() {
      return close();
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
      return close(promise);
    }

    @Override
    public boolean isShutdown() {
      return !isOpen();
    }

    @Override
    public ChannelFuture shutdown() {
      return close();
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
      return close(promise);
    }
  }
}
