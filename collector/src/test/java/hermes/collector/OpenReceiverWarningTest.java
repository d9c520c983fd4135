package hermes.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The startup warning for a receiver reachable from other hosts without TLS or auth. */
class OpenReceiverWarningTest {
  @Test
  void onlyANonLoopbackReceiverWithNeitherTlsNorAuthIsWarnedAbout() {
    InetSocketAddress any = new InetSocketAddress("0.0.0.0", 4318);
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 4318);
    assertThat(Collector.openReceiverWarning("OTLP/HTTP", any, false, false))
        .contains("OTLP/HTTP listens on 0.0.0.0:4318")
        .contains("neither TLS nor authentication");
    assertThat(Collector.openReceiverWarning("OTLP/HTTP", any, true, false)).isNull();
    assertThat(Collector.openReceiverWarning("OTLP/HTTP", any, false, true)).isNull();
    assertThat(Collector.openReceiverWarning("OTLP/HTTP", loopback, false, false)).isNull();
  }
}
