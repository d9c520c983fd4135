package hermes.collector.session;

import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import java.util.Arrays;

/**
 * Spans and their calls held while they wait (for their turn to settle, or in a live session's open
 * turn), packed into a few strided primitive arrays instead of objects: one slot per span, found by
 * span id. A call waits out the settle delay (5 s by default): as objects (a node, a {@link
 * CallRecord}, a provisional record, map entries: ~6 per call) G1 copied every one of them between
 * survivor spaces several times before it died; here a trace's or a session's waiting spans are two
 * or three arrays, copied in bulk, with no references inside to scan. {@link CallRecord}s are made
 * again ({@link #get}) only when a turn is handed on or someone asks.
 *
 * <p>A slot holds a span id, optionally a call, {@code extraLongs} longs and {@code extraInts} ints
 * of its owner's, and optionally one reference ({@link #ref}). Names (model, provider, finish
 * reason, error type, tool) are indexes into a small table of the distinct names this pack has
 * seen; captured content (tool arguments and results, {@code sessions.capture_content}) stays as
 * references, in a column made only when content comes.
 *
 * <p>To add a field to {@link CallRecord}: a column here (a long or an int of the stride), written
 * in {@link #set} and read in {@link #get}.
 *
 * <p>Threading: not thread-safe; owned by one shard's thread.
 */
final class PackedCalls {
  private static final long[] NO_LONGS = {};
  private static final int[] NO_INTS = {};
  private static final String[] NO_STRINGS = {};
  private static final Role[] ROLES = Role.values();
  private static final ToolStatus[] TOOL_STATUSES = ToolStatus.values();
  // longs of a slot: span id, start, duration, cost, tool-arguments hash, then the owner's
  private static final int SPAN_ID = 0;
  private static final int START = 1;
  private static final int DURATION = 2;
  private static final int COST = 3;
  private static final int ARGS_HASH = 4;
  private static final int LONGS = 5;
  // ints of a slot: head (0: no call; else role ordinal + 1 | tool status << 4), 5 token counts
  // (input, output, cache read, cache write, reasoning), 5 names (model, provider, finish reason,
  // error type, tool), then the owner's
  private static final int HEAD = 0;
  private static final int TOKENS = 1;
  private static final int NAMES = 6;
  private static final int INTS = 11;
  // Up to this many slots, a span id is found by a scan; past it through a hash index.
  private static final int SCAN = 16;

  private final int longStride;
  private final int intStride;
  private final SlotPool pool;
  private int size;
  private int capacity;
  private long[] longs = NO_LONGS;
  private int[] ints = NO_INTS;
  private Object[] refs; // one per slot, made on the first ref set
  private String[] content; // args, result per slot; null until content comes
  private String[] table = NO_STRINGS;
  private int tableSize;
  private int[] index = NO_INTS; // open addressing: slot + 1, 0 empty; only past SCAN slots
  // The table index last found for a model, a provider and a finish reason: consecutive calls
  // mostly repeat them, so the table is scanned only when one changes.
  private int lastModel;
  private int lastProvider;
  private int lastFinish;

  /** A pack whose slots hold these many longs and ints of the owner's, arrays from {@code pool}. */
  PackedCalls(int extraLongs, int extraInts, SlotPool pool) {
    this.longStride = LONGS + extraLongs;
    this.intStride = INTS + extraInts;
    this.pool = pool;
  }

  int size() {
    return size;
  }

  /** Appends a slot for span {@code spanId} holding no call; returns the slot. */
  int add(long spanId) {
    if (size == capacity) {
      grow(capacity < 4 ? 4 : capacity * 2);
    }
    int slot = size++;
    Arrays.fill(longs, slot * longStride, (slot + 1) * longStride, 0L);
    Arrays.fill(ints, slot * intStride, (slot + 1) * intStride, 0);
    longs[slot * longStride + SPAN_ID] = spanId;
    if (size > SCAN) {
      if (size * 2 > index.length) {
        reindex();
      } else {
        indexPut(slot);
      }
    }
    return slot;
  }

  /** Appends a slot holding {@code c}; returns the slot. */
  int add(CallRecord c) {
    int slot = add(c.spanId());
    set(slot, c);
    return slot;
  }

  private void grow(int n) {
    int k = SlotPool.classOf(n);
    long[] grownLongs = pool.longs(n * longStride, k);
    int[] grownInts = pool.ints(n * intStride, k);
    System.arraycopy(longs, 0, grownLongs, 0, size * longStride);
    System.arraycopy(ints, 0, grownInts, 0, size * intStride);
    giveBack();
    capacity = n;
    longs = grownLongs;
    ints = grownInts;
    if (refs != null) {
      refs = Arrays.copyOf(refs, n);
    }
    if (content != null) {
      content = Arrays.copyOf(content, n * 2);
    }
  }

  /** The slot of span {@code spanId} (the last added under it), or -1. */
  int find(long spanId) {
    if (size <= SCAN) {
      for (int i = size - 1; i >= 0; i--) {
        if (longs[i * longStride + SPAN_ID] == spanId) {
          return i;
        }
      }
      return -1;
    }
    int mask = index.length - 1;
    for (int i = hash(spanId) & mask; ; i = (i + 1) & mask) {
      int v = index[i];
      if (v == 0) {
        return -1;
      }
      if (longs[(v - 1) * longStride + SPAN_ID] == spanId) {
        return v - 1;
      }
    }
  }

  private void reindex() {
    int n = 64;
    while (n < size * 4) {
      n <<= 1;
    }
    if (index.length == n) {
      Arrays.fill(index, 0);
    } else {
      index = new int[n];
    }
    for (int i = 0; i < size; i++) {
      indexPut(i);
    }
  }

  /** Indexes {@code slot}; one already indexed under the same span id is replaced. */
  private void indexPut(int slot) {
    long id = longs[slot * longStride + SPAN_ID];
    int mask = index.length - 1;
    for (int i = hash(id) & mask; ; i = (i + 1) & mask) {
      int v = index[i];
      if (v == 0 || longs[(v - 1) * longStride + SPAN_ID] == id) {
        index[i] = slot + 1;
        return;
      }
    }
  }

  private static int hash(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /** Stores {@code c} in {@code slot} (which exists, under {@code c}'s span id). */
  void set(int slot, CallRecord c) {
    int status = c.toolStatus() == null ? 0 : c.toolStatus().ordinal() + 1;
    int l = slot * longStride;
    longs[l + START] = c.startNanos();
    longs[l + DURATION] = c.durationNanos();
    longs[l + COST] = c.costPico();
    longs[l + ARGS_HASH] = c.toolArgsHash();
    int i = slot * intStride;
    ints[i + HEAD] = c.role().ordinal() + 1 | status << 4;
    ints[i + TOKENS] = c.inputTokens();
    ints[i + TOKENS + 1] = c.outputTokens();
    ints[i + TOKENS + 2] = c.cacheReadTokens();
    ints[i + TOKENS + 3] = c.cacheWriteTokens();
    ints[i + TOKENS + 4] = c.reasoningTokens();
    ints[i + NAMES] = lastModel = name(c.model(), lastModel);
    ints[i + NAMES + 1] = lastProvider = name(c.provider(), lastProvider);
    ints[i + NAMES + 2] = lastFinish = name(c.finishReason(), lastFinish);
    ints[i + NAMES + 3] = name(c.errorType());
    ints[i + NAMES + 4] = name(c.toolName());
    if (c.toolArgs() != null || c.toolResult() != null) {
      if (content == null) {
        content = new String[capacity * 2];
      }
      content[slot * 2] = c.toolArgs();
      content[slot * 2 + 1] = c.toolResult();
    } else if (content != null) {
      content[slot * 2] = null;
      content[slot * 2 + 1] = null;
    }
  }

  /** Empties {@code slot} of its call (the span stays). */
  void clearCall(int slot) {
    ints[slot * intStride + HEAD] = 0;
    if (content != null) {
      content[slot * 2] = null;
      content[slot * 2 + 1] = null;
    }
  }

  /** Whether {@code slot} holds a call. */
  boolean has(int slot) {
    return ints[slot * intStride + HEAD] != 0;
  }

  long spanId(int slot) {
    return longs[slot * longStride + SPAN_ID];
  }

  long start(int slot) {
    return longs[slot * longStride + START];
  }

  long extraLong(int slot, int k) {
    return longs[slot * longStride + LONGS + k];
  }

  void extraLong(int slot, int k, long v) {
    longs[slot * longStride + LONGS + k] = v;
  }

  int extraInt(int slot, int k) {
    return ints[slot * intStride + INTS + k];
  }

  void extraInt(int slot, int k, int v) {
    ints[slot * intStride + INTS + k] = v;
  }

  Object ref(int slot) {
    return refs == null ? null : refs[slot];
  }

  void ref(int slot, Object o) {
    if (refs == null) {
      if (o == null) {
        return;
      }
      refs = new Object[capacity];
    }
    refs[slot] = o;
  }

  /** The call in {@code slot}, made again; null when the slot holds none. */
  CallRecord get(int slot) {
    int i = slot * intStride;
    int head = ints[i + HEAD];
    if (head == 0) {
      return null;
    }
    int l = slot * longStride;
    int status = head >>> 4 & 0xf;
    return new CallRecord(
        ROLES[(head & 0xf) - 1],
        longs[l + SPAN_ID],
        longs[l + START],
        longs[l + DURATION],
        table(ints[i + NAMES]),
        table(ints[i + NAMES + 1]),
        ints[i + TOKENS],
        ints[i + TOKENS + 1],
        ints[i + TOKENS + 2],
        ints[i + TOKENS + 3],
        ints[i + TOKENS + 4],
        longs[l + COST],
        table(ints[i + NAMES + 2]),
        table(ints[i + NAMES + 3]),
        table(ints[i + NAMES + 4]),
        status == 0 ? null : TOOL_STATUSES[status - 1],
        content == null ? null : content[slot * 2],
        content == null ? null : content[slot * 2 + 1],
        longs[l + ARGS_HASH]);
  }

  /** Which slots {@link #retain} keeps. */
  interface SlotFilter {
    boolean keep(PackedCalls p, int slot);
  }

  /**
   * Keeps the slots {@code keep} accepts, in order, renumbered from 0; returns how many were
   * dropped. With none left, the arrays are given back.
   */
  int retain(SlotFilter keep) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (!keep.keep(this, i)) {
        continue;
      }
      if (kept != i) {
        System.arraycopy(longs, i * longStride, longs, kept * longStride, longStride);
        System.arraycopy(ints, i * intStride, ints, kept * intStride, intStride);
        if (refs != null) {
          refs[kept] = refs[i];
        }
        if (content != null) {
          content[kept * 2] = content[i * 2];
          content[kept * 2 + 1] = content[i * 2 + 1];
        }
      }
      kept++;
    }
    int dropped = size - kept;
    if (kept == 0) {
      clear();
      return dropped;
    }
    if (refs != null) {
      Arrays.fill(refs, kept, size, null);
    }
    if (content != null) {
      Arrays.fill(content, kept * 2, size * 2, null);
    }
    size = kept;
    if (dropped > 0) {
      if (size > SCAN) {
        reindex();
      } else {
        index = NO_INTS;
      }
    }
    return dropped;
  }

  /** Drops every slot and gives the arrays back. */
  void clear() {
    giveBack();
    size = 0;
    capacity = 0;
    longs = NO_LONGS;
    ints = NO_INTS;
    refs = null;
    content = null;
    table = NO_STRINGS;
    tableSize = 0;
    index = NO_INTS;
  }

  private void giveBack() {
    if (capacity > 0) {
      int k = SlotPool.classOf(capacity);
      pool.give(longs, k);
      pool.give(ints, k);
    }
  }

  /** As {@link #name(String)}, trying table index {@code last} (1-based, as returned) first. */
  private int name(String s, int last) {
    if (s != null && last > 0 && last <= tableSize && table[last - 1] == s) {
      return last;
    }
    return name(s);
  }

  /** The index of {@code s} in the name table (1-based; 0 for null), added if new. */
  private int name(String s) {
    if (s == null) {
      return 0;
    }
    // Names are interned by the normalizer: the identity check almost always decides.
    for (int i = 0; i < tableSize; i++) {
      if (table[i] == s) {
        return i + 1;
      }
    }
    for (int i = 0; i < tableSize; i++) {
      if (table[i].equals(s)) {
        return i + 1;
      }
    }
    if (tableSize == table.length) {
      table = Arrays.copyOf(table, Math.max(4, tableSize * 2));
    }
    table[tableSize++] = s;
    return tableSize;
  }

  private String table(int index) {
    return index == 0 ? null : table[index - 1];
  }
}
