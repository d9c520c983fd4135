package hermes.collector.forward;

import java.time.Duration;

/**
 * Sends one batch (a serialized ExportTraceServiceRequest) to the backend; blocking, for at most
 * {@code timeout}. {@link #close()} from another thread ends a send in progress.
 */
interface Sender extends AutoCloseable {
  Outcome send(byte[] batch, Duration timeout);

  @Override
  void close();
}
