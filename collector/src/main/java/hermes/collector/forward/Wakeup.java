package hermes.collector.forward;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Parks one consumer thread until producers signal, without a lock on the producer side: the
 * consumer announces that it waits (a volatile write), re-checks its condition and parks; a
 * producer, after publishing its work, reads the announcement (a volatile read) and unparks the
 * consumer only when it waits, once per wait. Both sides order a volatile write before a volatile
 * read, so either the consumer sees the work or the producer sees the waiter: no wakeup is lost.
 *
 * <p>Threading: {@link #await} only on the consumer thread given to the constructor; {@link
 * #signal} from any thread, never blocks.
 */
final class Wakeup {
  private final Thread consumer;
  private final AtomicBoolean waiting = new AtomicBoolean();

  Wakeup(Thread consumer) {
    this.consumer = consumer;
  }

  /** Wakes the consumer if it waits; call after publishing the work it waits for. */
  void signal() {
    // The plain read first: under load the consumer is busy and producers do not contend.
    if (waiting.get() && waiting.compareAndSet(true, false)) {
      LockSupport.unpark(consumer);
    }
  }

  /**
   * Parks until {@code ready} holds, a signal arrives or {@link System#nanoTime()} reaches {@code
   * deadline} ({@link Long#MAX_VALUE}: none). May return early (a stray unpark, an interrupt); the
   * caller re-checks its state.
   *
   * @return true when it parked (the condition did not hold at once)
   */
  boolean await(BooleanSupplier ready, long deadline) {
    waiting.set(true);
    try {
      if (ready.getAsBoolean()) {
        return false;
      }
      if (deadline == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        LockSupport.parkNanos(this, left);
      }
      return true;
    } finally {
      waiting.set(false);
    }
  }
}
