package hermes.collector.session;

/**
 * The calls of a live session's open turns (whose turn is not decided yet), packed: they wait here
 * for the settle delay, as their trace's pending spans do, so they are held in a {@link
 * PackedCalls} with their trace ids, found by span id, and made into {@link
 * SessionBook.Provisional}s only when a snapshot asks. Readers sort by start.
 *
 * <p>Threading: not thread-safe; owned by the session stage of one shard.
 */
final class ProvisionalCalls {
  private static final int TRACE_HIGH = 0;
  private static final int TRACE_LOW = 1;
  private static final int TURN_ID = 2;
  private final PackedCalls calls;
  private int removed; // slots emptied by remove since the last compaction
  // Where the next remove looks first: a finished turn takes its calls out in the order they came
  // in, so the slot after the last one removed is usually the next (a hash probe per call was a
  // cache miss per call).
  private int next;

  ProvisionalCalls(SlotPool pool) {
    calls = new PackedCalls(3, 0, pool);
  }

  int size() {
    return calls.size() - removed;
  }

  boolean isEmpty() {
    return size() == 0;
  }

  /**
   * Holds {@code p}'s call; a call already held under its span id is replaced. Whether it is new
   * here.
   */
  boolean put(SessionBook.Provisional p) {
    CallRecord c = p.call();
    int slot = calls.find(c.spanId());
    boolean added = !(slot >= 0 && calls.has(slot));
    if (added) {
      slot = calls.add(c);
    } else {
      calls.set(slot, c);
    }
    calls.extraLong(slot, TRACE_HIGH, p.traceIdHigh());
    calls.extraLong(slot, TRACE_LOW, p.traceIdLow());
    calls.extraLong(slot, TURN_ID, p.turnId());
    return added;
  }

  /**
   * Forgets the call {@code spanId} if held (whether it was); {@link #compact()} when a batch is
   * done.
   */
  boolean remove(long spanId) {
    // A span id has at most one slot holding a call (put replaces it, or adds a slot only when the
    // last one under the id is empty), so a hit on the hint is the slot find would give.
    int slot = next;
    if (slot >= calls.size() || calls.spanId(slot) != spanId || !calls.has(slot)) {
      slot = calls.find(spanId);
    }
    if (slot >= 0 && calls.has(slot)) {
      calls.clearCall(slot);
      removed++;
      next = slot + 1;
      return true;
    }
    return false;
  }

  /** Drops the slots {@link #remove} emptied. */
  void compact() {
    if (removed > 0) {
      calls.retain(PackedCalls::has);
      removed = 0;
      next = 0;
    }
  }

  /** Drops every call; the arrays go back to the pool. */
  void clear() {
    calls.clear();
    removed = 0;
    next = 0;
  }

  /** The calls held, made again, with {@code key} and {@code service} stamped. */
  SessionBook.Provisional[] toArray(String key, String service) {
    SessionBook.Provisional[] out = new SessionBook.Provisional[size()];
    int k = 0;
    for (int i = 0; i < calls.size(); i++) {
      if (calls.has(i)) {
        out[k++] =
            new SessionBook.Provisional(
                key,
                service,
                calls.extraLong(i, TRACE_HIGH),
                calls.extraLong(i, TRACE_LOW),
                calls.extraLong(i, TURN_ID),
                calls.get(i));
      }
    }
    return out;
  }
}
