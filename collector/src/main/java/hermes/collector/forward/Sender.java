package hermes.collector.forward;

/** Sends one batch (a serialized ExportTraceServiceRequest) to the backend; blocking. */
interface Sender extends AutoCloseable {
  Outcome send(byte[] batch);

  @Override
  void close();
}
