package hermes.collector.bench.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailuresTest {
  @Test
  void reasonsNameTheCauseTheStatusAndTheBody() {
    assertThat(
            Failures.describe(
                new CompletionException(new ConnectException("Connection refused")),
                "127.0.0.1:4318"))
        .startsWith("connection refused by 127.0.0.1:4318");
    assertThat(
            Failures.describe(
                400, "invalid JSON at line 1, column 3\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("HTTP 400: invalid JSON at line 1, column 3");
    assertThat(Failures.describe(415, new byte[] {0x08, 0x03, 0x12}))
        .isEqualTo("HTTP 415 (3 bytes)");
    Failures f = new Failures();
    f.add("HTTP 503: full");
    f.add("HTTP 400: bad");
    f.add("HTTP 503: full");
    assertThat(f.first()).isEqualTo("HTTP 503: full");
    assertThat(f.summary()).isEqualTo("HTTP 503: full (2 requests); HTTP 400: bad (1 request)");
  }
}
