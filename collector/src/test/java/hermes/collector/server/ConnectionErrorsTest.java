package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.metrics.ListenerMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ConnectionErrorsTest {
  private final CollectorRegistry registry = new CollectorRegistry(true);
  private final ConnectionErrors errors =
      new ConnectionErrors(new ListenerMetrics(registry).listener("otlp_http"));

  private double count(String kind) {
    Double v =
        registry.getSampleValue(
            "hermes_collector_connection_errors_total",
            new String[] {"listener", "kind"},
            new String[] {"otlp_http", kind});
    return v == null ? 0 : v;
  }

  @Test
  void anErrorIsCountedByKindAndClosesItsConnectionOnly() {
    EmbeddedChannel reset = new EmbeddedChannel(errors);
    EmbeddedChannel other = new EmbeddedChannel(errors);
    reset.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    assertThat(reset.isOpen()).isFalse();
    assertThat(other.isOpen()).isTrue();
    other.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
    assertThat(other.isOpen()).isFalse();
    assertThat(count("io")).isEqualTo(1);
    assertThat(count("other")).isEqualTo(1);
    assertThat(reset.finishAndReleaseAll()).isFalse();
    assertThat(other.finishAndReleaseAll()).isFalse();
  }

  @Test
  void theAggregatorsNoteAfterACloseTheServerChoseIsNotASecondError() {
    EmbeddedChannel ch = new EmbeddedChannel(errors);
    ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    // marked, so that the aggregator's note on channelInactive that follows is not counted
    assertThat(ch.attr(ConnectionErrors.CLOSED_BY_SERVER).get()).isTrue();

    EmbeddedChannel refused = new EmbeddedChannel(errors); // as a refusal or a timeout marks it
    refused.attr(ConnectionErrors.CLOSED_BY_SERVER).set(Boolean.TRUE);
    refused.pipeline().fireExceptionCaught(new PrematureChannelClosureException("mid-request"));
    assertThat(count("io")).isEqualTo(1);

    EmbeddedChannel gone = new EmbeddedChannel(errors); // the client left in mid-request
    gone.pipeline().fireExceptionCaught(new PrematureChannelClosureException("mid-request"));
    assertThat(count("io")).isEqualTo(2);
    assertThat(ch.finishAndReleaseAll()).isFalse();
    assertThat(refused.finishAndReleaseAll()).isFalse();
    assertThat(gone.finishAndReleaseAll()).isFalse();
  }
}
