package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idle collector loads (its RSS is mostly class metadata, bench/RESULTS.md "One Netty"):
 * gRPC runs on the project's Netty, not a shaded second copy, and Netty's JFR events stay off.
 */
class OneNettyIT {
  @Test
  void grpcRunsOnTheProjectsNetty() throws Exception {
    assertThatThrownBy(() -> Class.forName("io.grpc.netty.shaded.io.netty.channel.Channel"))
        .isInstanceOf(ClassNotFoundException.class);
    // The transport the receiver and the forwarder use takes the project's Netty types.
    assertThat(
            io.grpc.netty.NettyServerBuilder.class.getMethod(
                "bossEventLoopGroup", io.netty.channel.EventLoopGroup.class))
        .isNotNull();
  }

  @Test
  void aStartedCollectorRegistersNoNettyJfrEvents(@TempDir Path dir) throws Exception {
    Path classes = dir.resolve("classes.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    cmd.add("-Xlog:class+load=info:file=" + classes);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    int admin = freePort();
    for (String listener : List.of("otlp.grpc", "otlp.http")) {
      cmd.add("--set");
      cmd.add(listener + ".endpoint=127.0.0.1:" + freePort());
    }
    cmd.add("--set");
    cmd.add("admin.endpoint=127.0.0.1:" + admin);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("HERMES_COLLECTOR_"));
    Process p = pb.start();
    try {
      BufferedReader log =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      boolean listening = false;
      while (!listening && (line = log.readLine()) != null) {
        listening = line.contains("OTLP/HTTP listening");
      }
      assertThat(listening).as("the collector started").isTrue();
      // One request: the admin listener allocates its buffers (with the events on, Netty
      // registers its JFR events on the first allocation).
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
    } finally {
      // kill(1), not Process.destroy(): destroy closes our end of the pipes.
      new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    List<String> loaded = Files.readAllLines(classes);
    assertThat(loaded).anyMatch(l -> l.contains(" io.netty.buffer.ByteBuf "));
    assertThat(
            loaded.stream()
                .filter(
                    l ->
                        l.contains("io.netty.buffer.AllocateBufferEvent")
                            || l.contains("jdk.jfr.internal.handlers.EventHandler"))
                .toList())
        .isEmpty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
