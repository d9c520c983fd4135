package hermes.collector.session;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The turns and calls of one session, packed: an exact-size byte array of varint records and a
 * small table of the distinct names (models, providers, tools, ...) they use. A live session holds
 * hundreds of calls for minutes; as objects they cost ~100 bytes each, packed ~20 (tools) to ~45
 * (LLM calls). The records are decoded back into {@link TurnRecord}s and {@link CallRecord}s only
 * when the API or a listener asks.
 *
 * <p>Layout: a sequence of records, each a tag byte then fields. Times are stored as zigzag deltas
 * (a turn's start from the first time appended, a call's from its turn's start), so most take five
 * bytes instead of eight; a turn's trace and parent ids only when they differ from the previous
 * turn's. Names are indexes into the name table (0 = null). Varints and zigzag come from
 * protobuf-java's coded streams; no generic serializer packs this small and this exact.
 *
 * <p>Threading: not thread-safe; owned by the session stage of one shard. Appends copy through a
 * {@link Writer} the shard owns.
 */
final class SessionLog {
  private static final byte[] NO_BYTES = {};
  private static final String[] NO_NAMES = {};
  private static final int TAG_TURN = 1;
  private static final int TAG_LOOSE = 2;
  // turn flags
  private static final int ERROR = 1;
  private static final int SAME_TRACE = 2;
  private static final int HAS_PARENT = 4;
  private static final int HAS_DROPPED = 8;
  private static final int SAME_PARENT = 16; // as the previous turn's: the session span, usually
  private static final int HAS_MESSAGE = 32; // captured content
  // call head: role << 3 | HAS_CONTENT | tool status
  private static final int HAS_CONTENT = 4;
  private static final Role[] ROLES = Role.values();
  private static final ToolStatus[] TOOL_STATUSES = ToolStatus.values();

  private byte[] bytes = NO_BYTES;
  private String[] names = NO_NAMES;
  private long base;
  private long lastTraceHigh;
  private long lastTraceLow;
  private long lastParent;

  /**
   * Appends a finished turn and the first {@code keep} of its calls; the rest are counted as
   * dropped (the per-session bound), and the turn's totals are stored so nothing counted is lost.
   */
  void appendTurn(TurnRecord t, int keep, Writer w) {
    CodedOutputStream out = w.begin();
    try {
      if (bytes.length == 0) {
        base = t.startNanos();
      }
      List<CallRecord> calls = t.calls();
      int dropped = calls.size() - keep;
      boolean sameTrace =
          bytes.length > 0 && t.traceIdHigh() == lastTraceHigh && t.traceIdLow() == lastTraceLow;
      boolean sameParent = bytes.length > 0 && t.parentSpanId() == lastParent;
      int flags =
          (t.error() ? ERROR : 0)
              | (sameTrace ? SAME_TRACE : 0)
              | (sameParent ? SAME_PARENT : t.parentSpanId() != 0 ? HAS_PARENT : 0)
              | (dropped > 0 ? HAS_DROPPED : 0)
              | (t.userMessage() != null ? HAS_MESSAGE : 0);
      out.write((byte) TAG_TURN);
      out.writeUInt32NoTag(flags);
      if (!sameTrace) {
        out.writeFixed64NoTag(t.traceIdHigh());
        out.writeFixed64NoTag(t.traceIdLow());
        lastTraceHigh = t.traceIdHigh();
        lastTraceLow = t.traceIdLow();
      }
      out.writeFixed64NoTag(t.spanId());
      if ((flags & HAS_PARENT) != 0) {
        out.writeFixed64NoTag(t.parentSpanId());
      }
      lastParent = t.parentSpanId();
      out.writeSInt64NoTag(t.startNanos() - base);
      out.writeSInt64NoTag(t.endNanos() - t.startNanos());
      out.writeSInt32NoTag(t.index());
      out.writeUInt32NoTag(name(t.service()));
      out.writeUInt32NoTag(name(t.platform()));
      if (dropped > 0) {
        out.writeUInt32NoTag(dropped);
        writeTotals(out, t.totals());
      }
      if (t.userMessage() != null) {
        out.writeStringNoTag(t.userMessage());
      }
      out.writeUInt32NoTag(keep);
      for (int i = 0; i < keep; i++) {
        writeCall(out, calls.get(i), t.startNanos()); // close to its turn's start: fewer bytes
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writes to memory
    }
    bytes = w.appendTo(bytes);
  }

  /** Appends a call that belongs to the session but to none of its turns. */
  void appendLoose(CallRecord c, Writer w) {
    CodedOutputStream out = w.begin();
    try {
      if (bytes.length == 0) {
        base = c.startNanos();
      }
      out.write((byte) TAG_LOOSE);
      writeCall(out, c, base);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bytes = w.appendTo(bytes);
  }

  private void writeCall(CodedOutputStream out, CallRecord c, long origin) throws IOException {
    int status = c.toolStatus() == null ? 0 : c.toolStatus().ordinal() + 1;
    boolean content = c.toolArgs() != null || c.toolResult() != null;
    out.writeUInt32NoTag(c.role().ordinal() << 3 | (content ? HAS_CONTENT : 0) | status);
    if (content) {
      out.writeUInt32NoTag((c.toolArgs() != null ? 1 : 0) | (c.toolResult() != null ? 2 : 0));
      if (c.toolArgs() != null) {
        out.writeStringNoTag(c.toolArgs());
      }
      if (c.toolResult() != null) {
        out.writeStringNoTag(c.toolResult());
      }
    }
    out.writeFixed64NoTag(c.spanId());
    out.writeSInt64NoTag(c.startNanos() - origin);
    out.writeSInt64NoTag(c.durationNanos());
    out.writeUInt32NoTag(name(c.errorType()));
    if (c.role() == Role.TOOL) {
      out.writeUInt32NoTag(name(c.toolName()));
      return; // tools have no model, tokens or cost
    }
    out.writeUInt32NoTag(name(c.model()));
    out.writeUInt32NoTag(name(c.provider()));
    out.writeUInt32NoTag(name(c.finishReason()));
    out.writeUInt32NoTag(c.inputTokens());
    out.writeUInt32NoTag(c.outputTokens());
    out.writeUInt32NoTag(c.cacheReadTokens());
    out.writeUInt32NoTag(c.cacheWriteTokens());
    out.writeUInt32NoTag(c.reasoningTokens());
    out.writeUInt64NoTag(c.costPico() + 1); // -1 (unpriced) becomes 0
  }

  private static void writeTotals(CodedOutputStream out, Totals t) throws IOException {
    out.writeUInt64NoTag(t.llmCalls);
    out.writeUInt64NoTag(t.toolCalls);
    out.writeUInt64NoTag(t.toolErrors);
    out.writeUInt64NoTag(t.llmErrors);
    out.writeUInt64NoTag(t.inputTokens);
    out.writeUInt64NoTag(t.outputTokens);
    out.writeUInt64NoTag(t.cacheReadTokens);
    out.writeUInt64NoTag(t.cacheWriteTokens);
    out.writeUInt64NoTag(t.reasoningTokens);
    out.writeUInt64NoTag(t.costPico);
    out.writeUInt64NoTag(t.unpricedTokens);
  }

  private static Totals readTotals(CodedInputStream in) throws IOException {
    Totals t = new Totals();
    t.llmCalls = in.readRawVarint64();
    t.toolCalls = in.readRawVarint64();
    t.toolErrors = in.readRawVarint64();
    t.llmErrors = in.readRawVarint64();
    t.inputTokens = in.readRawVarint64();
    t.outputTokens = in.readRawVarint64();
    t.cacheReadTokens = in.readRawVarint64();
    t.cacheWriteTokens = in.readRawVarint64();
    t.reasoningTokens = in.readRawVarint64();
    t.costPico = in.readRawVarint64();
    t.unpricedTokens = in.readRawVarint64();
    return t;
  }

  /** The index of {@code s} in the name table (1-based; 0 for null), added if new. */
  private int name(String s) {
    if (s == null) {
      return 0;
    }
    // Names are interned by the normalizer: the identity check almost always decides.
    for (int i = 0; i < names.length; i++) {
      if (names[i] == s) {
        return i + 1;
      }
    }
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(s)) {
        return i + 1;
      }
    }
    names = Arrays.copyOf(names, names.length + 1); // exact size: a session uses a few names
    names[names.length - 1] = s;
    return names.length;
  }

  /**
   * What the log holds now, immutable: appends replace the arrays, never change them, so a view
   * stays valid (and may be decoded on any thread) after the log grows.
   */
  View view() {
    return new View(bytes, names, base);
  }

  /** The decoded contents: turns in append order, loose calls in append order. */
  record Contents(List<TurnRecord> turns, List<CallRecord> loose) {}

  /** An immutable view of a log's records; see {@link #view()}. */
  record View(byte[] bytes, String[] names, long base) {
    private String name(int index) {
      return index == 0 ? null : names[index - 1];
    }

    /** Decodes every record; {@code sessionKey} is stamped on the turns. */
    Contents decode(String sessionKey) {
      List<TurnRecord> turns = new ArrayList<>();
      List<CallRecord> loose = new ArrayList<>();
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      long traceHigh = 0;
      long traceLow = 0;
      long parent = 0;
      try {
        while (!in.isAtEnd()) {
          int tag = in.readRawByte();
          if (tag == TAG_LOOSE) {
            loose.add(readCall(in, base));
            continue;
          }
          int flags = in.readRawVarint32();
          if ((flags & SAME_TRACE) == 0) {
            traceHigh = in.readFixed64();
            traceLow = in.readFixed64();
          }
          long spanId = in.readFixed64();
          if ((flags & HAS_PARENT) != 0) {
            parent = in.readFixed64();
          } else if ((flags & SAME_PARENT) == 0) {
            parent = 0;
          }
          long start = base + in.readSInt64();
          long end = start + in.readSInt64();
          int index = in.readSInt32();
          String service = name(in.readRawVarint32());
          String platform = name(in.readRawVarint32());
          int dropped = 0;
          Totals totals = null;
          if ((flags & HAS_DROPPED) != 0) {
            dropped = in.readRawVarint32();
            totals = readTotals(in);
          }
          String message = (flags & HAS_MESSAGE) != 0 ? in.readString() : null;
          int n = in.readRawVarint32();
          List<CallRecord> calls = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            calls.add(readCall(in, start));
          }
          if (totals == null) {
            totals = new Totals();
            for (CallRecord c : calls) {
              totals.add(c);
            }
          }
          turns.add(
              new TurnRecord(
                  sessionKey,
                  traceHigh,
                  traceLow,
                  spanId,
                  parent,
                  start,
                  end,
                  (flags & ERROR) != 0,
                  index,
                  service,
                  platform,
                  List.copyOf(calls),
                  dropped,
                  totals,
                  message));
        }
      } catch (IOException e) {
        throw new IllegalStateException("session log corrupt", e); // we wrote it: a bug
      }
      return new Contents(turns, loose);
    }

    private CallRecord readCall(CodedInputStream in, long origin) throws IOException {
      int head = in.readRawVarint32();
      Role role = ROLES[head >>> 3];
      int status = head & 3;
      String args = null;
      String result = null;
      if ((head & HAS_CONTENT) != 0) {
        int present = in.readRawVarint32();
        args = (present & 1) != 0 ? in.readString() : null;
        result = (present & 2) != 0 ? in.readString() : null;
      }
      long spanId = in.readFixed64();
      long start = origin + in.readSInt64();
      long duration = in.readSInt64();
      String errorType = name(in.readRawVarint32());
      ToolStatus toolStatus = status == 0 ? null : TOOL_STATUSES[status - 1];
      if (role == Role.TOOL) {
        String tool = name(in.readRawVarint32());
        return new CallRecord(
            role,
            spanId,
            start,
            duration,
            null,
            null,
            0,
            0,
            0,
            0,
            0,
            0,
            null,
            errorType,
            tool,
            toolStatus,
            args,
            result);
      }
      String model = name(in.readRawVarint32());
      String provider = name(in.readRawVarint32());
      String finish = name(in.readRawVarint32());
      int input = in.readRawVarint32();
      int output = in.readRawVarint32();
      int cacheRead = in.readRawVarint32();
      int cacheWrite = in.readRawVarint32();
      int reasoning = in.readRawVarint32();
      long cost = in.readRawVarint64() - 1;
      return new CallRecord(
          role,
          spanId,
          start,
          duration,
          model,
          provider,
          input,
          output,
          cacheRead,
          cacheWrite,
          reasoning,
          cost,
          finish,
          errorType,
          null,
          toolStatus);
    }
  }

  /**
   * A reusable encoding buffer: one per shard, so appends allocate only the session's grown array.
   */
  static final class Writer {
    private final Buffer buffer = new Buffer();
    private final CodedOutputStream out = CodedOutputStream.newInstance(buffer, 512);

    CodedOutputStream begin() {
      try {
        out.flush(); // whatever an append that failed half-way left behind is discarded below
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      buffer.reset();
      return out;
    }

    /** {@code old} followed by what was written since {@link #begin()}, in a new exact array. */
    byte[] appendTo(byte[] old) {
      try {
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byte[] grown = Arrays.copyOf(old, old.length + buffer.size());
      System.arraycopy(buffer.array(), 0, grown, old.length, buffer.size());
      return grown;
    }
  }

  /** A byte array output stream whose array can be read without a copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    byte[] array() {
      return buf;
    }
  }
}
