package hermes.collector.bench.loadgen;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Outcomes and latencies of a run. Latencies (microseconds) go to an HdrHistogram {@link Recorder},
 * so the senders never lock; the reporter takes interval snapshots and sums them.
 *
 * <p>Threading: {@link #record} from any thread; {@link #interval} and {@link #total} from the one
 * reporting thread.
 */
final class LoadStats {
  private final long measureFrom;
  private final Recorder recorder = new Recorder(3);
  private final Recorder warmUpRecorder = new Recorder(3);
  final LongAdder warmUpSpans = new LongAdder();
  private final Histogram total = new Histogram(3);
  final LongAdder okRequests = new LongAdder();
  final LongAdder okSpans = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder errors = new LongAdder();

  /** Stats that leave out requests sent before {@code measureFrom} (a {@code nanoTime}). */
  LoadStats(long measureFrom) {
    this.measureFrom = measureFrom;
  }

  /** One request's outcome; {@code sentAt} is when it was (meant to be) sent. */
  void record(Target.Result result, int spans, long latencyNanos, long sentAt) {
    if (sentAt - measureFrom < 0) { // warming up: shown in the progress lines, not counted
      warmUpRecorder.recordValue(Math.max(1, latencyNanos / 1_000));
      if (result == Target.Result.OK) {
        warmUpSpans.add(spans);
      }
      return;
    }
    recorder.recordValue(Math.max(1, latencyNanos / 1_000));
    switch (result) {
      case OK:
        okRequests.increment();
        okSpans.add(spans);
        break;
      case REFUSED:
        refused.increment();
        break;
      default:
        errors.increment();
    }
  }

  /** The latencies since the previous call, warm-up included; the measured ones go to the total. */
  Histogram interval() {
    Histogram h = recorder.getIntervalHistogram();
    total.add(h);
    Histogram all = warmUpRecorder.getIntervalHistogram();
    all.add(h);
    return all;
  }

  /** Every latency recorded up to the last {@link #interval}. */
  Histogram total() {
    return total;
  }
}
