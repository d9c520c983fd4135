package hermes.collector.forward;

import hermes.collector.config.CollectorConfig.Forward.SpoolSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk queue of trace requests: append-only segment files of records ({@code magic, length,
 * spans, CRC32C, bytes}, the CRC covering length, spans and bytes), read in order from a cursor
 * that is persisted after each delivered batch, so a restart (even after {@code kill -9}) resumes
 * where delivery stopped and no accepted request is lost.
 *
 * <p>What can go wrong on disk, and what happens:
 *
 * <ul>
 *   <li>A write fails (disk full): the partial record is cut off at once (or, if even that fails,
 *       before the next append), {@link #append} throws, and the caller refuses the request so the
 *       client retries; nothing is acknowledged that is not whole on disk.
 *   <li>A record is torn or corrupt (a crash mid-write, a bad sector): the reader skips it once,
 *       counts it once ({@link #tornRecords}), and resynchronises on the next record whose magic
 *       and CRC check out, so every whole record after it is still delivered; the skip moves the
 *       persisted cursor, so it is not met (or counted) again.
 *   <li>A restart keeps every whole record; only a torn tail (nothing valid after it) is cut off.
 * </ul>
 *
 * <p>The spool is bounded: segments are at most a quarter of {@code maxBytes} (so a small bound is
 * honoured), and when full the oldest segment is dropped and its undelivered spans counted ({@link
 * #droppedSpans}).
 *
 * <p>Written by hand because no library in this project's set offers a bounded, CRC-checked,
 * cursor-based segment log; it is a few hundred lines of plain NIO.
 *
 * <p>Threading: {@link #append} from any thread (serialized); {@link #next}, {@link #commit} from
 * the one exporter thread. Segment list and cursor changes are guarded by this object; the interval
 * fsync runs on its own daemon thread.
 */
final class Spool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  static final int HEADER = 16;
  static final int MAGIC = 0x48535031; // "HSP1": where a record starts, for resynchronising
  private static final String CURSOR = "cursor";

  /** Opens the segment files for writing; replaced in tests to fail like a full disk. */
  interface Opener {
    FileChannel open(Path file, OpenOption... options) throws IOException;
  }

  /**
   * Test seam: an {@link Opener} per spool directory (absolute, normalized). Empty in production.
   */
  static final Map<Path, Opener> OPENERS = new ConcurrentHashMap<>();

  /** One record read back. */
  record Record(byte[] bytes, int spans, long segment, long end) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final SpoolSync sync;
  private final Opener opener;
  private final TreeMap<Long, Long> segments = new TreeMap<>(); // id -> size of whole records
  private final ScheduledExecutorService syncer;
  private FileChannel writer;
  private boolean dirty; // the write segment may hold bytes past its size (a failed cut)
  private boolean unforced; // appended since the interval thread last forced: idle costs no fsync
  private long writeSegment;
  private long readSegment;
  private long readOffset;
  volatile long tornRecords;
  volatile long droppedSpans;
  // The segments' total, republished under the lock at every change: read without it, so a
  // scrape never waits for a write a slow disk holds up.
  private volatile long bytesOnDisk;

  Spool(Path dir, long maxBytes, long segmentBytes) throws IOException {
    this(dir, maxBytes, segmentBytes, SpoolSync.NONE, Duration.ofSeconds(1));
  }

  Spool(Path dir, long maxBytes, long segmentBytes, SpoolSync sync, Duration syncInterval)
      throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    // A segment is dropped whole, and the one being written never: a quarter of the bound keeps
    // the spool under it (a 1 MiB bound with 16 MiB segments would otherwise hold 16 MiB).
    this.segmentBytes = Math.max(HEADER + 1, Math.min(segmentBytes, maxBytes / 4));
    this.sync = sync;
    this.opener = OPENERS.getOrDefault(dir.toAbsolutePath().normalize(), FileChannel::open);
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith("segment-") && n.endsWith(".log")) {
          segments.put(Long.parseLong(n.substring(8, n.length() - 4)), Files.size(p));
        }
      }
    }
    if (segments.isEmpty()) {
      segments.put(1L, 0L);
    }
    writeSegment = segments.lastKey();
    segments.put(writeSegment, truncateTornTail(writeSegment));
    writer = openWriter(writeSegment);
    readSegment = segments.firstKey();
    readOffset = 0;
    Path cursor = dir.resolve(CURSOR);
    if (Files.exists(cursor)) {
      String[] c = Files.readString(cursor, StandardCharsets.US_ASCII).trim().split(" ");
      long seg = Long.parseLong(c[0]);
      if (segments.containsKey(seg)) {
        readSegment = seg;
        readOffset = Math.min(Long.parseLong(c[1]), segments.get(seg));
      }
    }
    bytesOnDisk = total();
    if (sync == SpoolSync.INTERVAL) {
      syncer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "spool-sync");
                t.setDaemon(true);
                return t;
              });
      long ms = Math.max(1, syncInterval.toMillis());
      syncer.scheduleWithFixedDelay(this::forceQuietly, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      syncer = null;
    }
  }

  private FileChannel openWriter(long id) throws IOException {
    return opener.open(
        file(id), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private Path file(long id) {
    return dir.resolve(String.format("segment-%020d.log", id));
  }

  /**
   * The valid size of the last segment: whole records are kept even after a torn one in the middle
   * (the reader skips that one); only a torn tail, with no whole record after it, is cut off.
   */
  private long truncateTornTail(long id) throws IOException {
    Path p = file(id);
    if (!Files.exists(p)) {
      return 0;
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long pos = 0;
      long validEnd = 0;
      while (pos < size) {
        Record r = read(ch, id, pos, size);
        if (r == null) {
          pos = resync(ch, pos + 1, size);
          continue;
        }
        pos = r.end();
        validEnd = pos;
      }
      if (validEnd < size) {
        tornRecords++;
        ch.truncate(validEnd);
      }
      return validEnd;
    }
  }

  /** The record at {@code pos}, or null when it is incomplete, misframed or its CRC is wrong. */
  private static Record read(FileChannel ch, long id, long pos, long size) throws IOException {
    if (size - pos < HEADER) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readFully(ch, h, pos);
    h.flip();
    int magic = h.getInt();
    int len = h.getInt();
    int spans = h.getInt();
    int crc = h.getInt();
    if (magic != MAGIC || len < 0 || spans < 0 || size - pos - HEADER < len) {
      return null;
    }
    byte[] bytes = new byte[len];
    readFully(ch, ByteBuffer.wrap(bytes), pos + HEADER);
    if (crc(len, spans, bytes) != crc) {
      return null;
    }
    return new Record(bytes, spans, id, pos + HEADER + len);
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        return; // shorter than its size says: the checks that follow fail it
      }
    }
  }

  private static int crc(int len, int spans, byte[] bytes) {
    CRC32C c = new CRC32C();
    ByteBuffer h = ByteBuffer.allocate(8).putInt(len).putInt(spans).flip();
    c.update(h);
    c.update(bytes);
    return (int) c.getValue();
  }

  /**
   * The offset of the first whole record at or after {@code from}, found by its magic and checked
   * by its CRC; {@code size} when there is none.
   */
  private static long resync(FileChannel ch, long from, long size) throws IOException {
    ByteBuffer w = ByteBuffer.allocate(64 * 1024);
    long base = from;
    while (size - base >= HEADER) {
      w.clear();
      w.limit((int) Math.min(w.capacity(), size - base));
      readFully(ch, w, base);
      w.flip();
      int n = w.limit();
      for (int i = 0; i + 4 <= n; i++) {
        if (w.getInt(i) == MAGIC && read(ch, 0, base + i, size) != null) {
          return base + i;
        }
      }
      base += Math.max(1, n - 3); // a magic may straddle two windows
    }
    return size;
  }

  /**
   * Appends one request whole, then runs {@code commit} (the other consumers taking the request);
   * returns false, with the record cut off again, when {@code commit} refuses. Drops the oldest
   * segment(s) first when the spool would overflow.
   *
   * @throws IOException the write (or, with {@link SpoolSync#ALWAYS}, the fsync) failed; the
   *     partial record was cut off and {@code commit} was not run: the request must be refused
   */
  synchronized boolean append(byte[] bytes, int spans, BooleanSupplier commit) throws IOException {
    if (dirty) { // a cut that failed last time: whatever is past the last whole record goes now
      writer.truncate(segments.get(writeSegment));
      dirty = false;
    }
    long size = HEADER + (long) bytes.length;
    long current = segments.get(writeSegment);
    boolean consumed = readSegment == writeSegment && readOffset == current;
    if (current > 0 && (consumed || current + size > segmentBytes)) {
      FileChannel next = openWriter(writeSegment + 1);
      if (sync != SpoolSync.NONE) {
        writer.force(false); // the interval thread only forces the current segment
      }
      writer.close();
      writer = next;
      writeSegment++;
      segments.put(writeSegment, 0L);
      if (consumed) { // everything in the old one was delivered: start reading the new one
        segments.remove(writeSegment - 1);
        Files.deleteIfExists(file(writeSegment - 1));
        readSegment = writeSegment;
        readOffset = 0;
      }
      current = 0;
      bytesOnDisk = total();
    }
    while (total() + size > maxBytes && segments.size() > 1) {
      dropOldest();
    }
    ByteBuffer b = ByteBuffer.allocate((int) size);
    b.putInt(MAGIC).putInt(bytes.length).putInt(spans).putInt(crc(bytes.length, spans, bytes));
    b.put(bytes).flip();
    try {
      while (b.hasRemaining()) {
        writer.write(b);
      }
      if (sync == SpoolSync.ALWAYS) {
        writer.force(false);
      }
    } catch (IOException e) {
      cut(current);
      throw e;
    }
    boolean kept = false;
    try {
      kept = commit.getAsBoolean();
    } finally {
      if (!kept) {
        // Refused, or a consumer after the spool threw (a bug, reported as a spool error): not
        // published yet, the reader has not seen it, and its client is told to retry.
        cut(current);
      }
    }
    if (!kept) {
      return false;
    }
    segments.put(writeSegment, current + size);
    bytesOnDisk = total();
    unforced = true;
    return true;
  }

  /** Appends one request (tests). */
  void append(byte[] bytes, int spans) throws IOException {
    append(bytes, spans, () -> true);
  }

  /** Cuts the write segment back to {@code size}; if that fails, the next append retries it. */
  private void cut(long size) {
    try {
      writer.truncate(size);
    } catch (IOException e) {
      dirty = true;
    }
  }

  private void forceQuietly() {
    FileChannel w;
    synchronized (this) {
      if (!unforced) {
        return; // nothing appended since the last force: an idle spool does not touch the disk
      }
      unforced = false;
      w = writer;
    }
    try {
      w.force(false);
    } catch (java.nio.channels.ClosedChannelException e) {
      // rolled over meanwhile; the old segment was forced before it was closed
    } catch (IOException e) {
      synchronized (this) {
        unforced = true; // try again next interval
      }
      log.warn("spool: fsync failed ({})", e.toString());
    }
  }

  private long total() {
    long t = 0;
    for (long s : segments.values()) {
      t += s;
    }
    return t;
  }

  /** Deletes the oldest segment, counting the spans in it that were not delivered yet. */
  private void dropOldest() throws IOException {
    long id = segments.firstKey();
    long from = id == readSegment ? readOffset : 0;
    if (id >= readSegment) {
      try (FileChannel ch = FileChannel.open(file(id), StandardOpenOption.READ)) {
        long size = segments.get(id);
        long dropped = 0;
        for (long pos = from; pos < size; ) {
          Record r = read(ch, id, pos, size);
          if (r == null) {
            pos = resync(ch, pos + 1, size);
            continue;
          }
          dropped += r.spans();
          pos = r.end();
        }
        droppedSpans += dropped;
      }
    }
    segments.remove(id);
    bytesOnDisk = total();
    Files.deleteIfExists(file(id));
    if (readSegment == id) {
      readSegment = segments.firstKey();
      readOffset = 0;
    }
  }

  /** Records from the cursor on, at most {@code maxBytes} of them (at least one); may be empty. */
  List<Record> next(int maxBytesPerBatch) throws IOException {
    List<Record> out = new ArrayList<>();
    long seg;
    long pos;
    synchronized (this) {
      seg = readSegment;
      pos = readOffset;
    }
    int total = 0;
    while (true) {
      long size;
      boolean last;
      synchronized (this) {
        Long s = segments.get(seg);
        if (s == null) {
          return out; // dropped meanwhile; the next call starts from the new cursor
        }
        size = s;
        last = seg == writeSegment;
      }
      if (pos >= size) {
        if (last) {
          return out;
        }
        synchronized (this) {
          Long next = segments.higherKey(seg);
          if (next == null) {
            return out;
          }
          seg = next;
        }
        pos = 0;
        continue;
      }
      Record r;
      long resume = -1;
      try (FileChannel ch = FileChannel.open(file(seg), StandardOpenOption.READ)) {
        r = read(ch, seg, pos, size);
        if (r == null && out.isEmpty()) {
          resume = resync(ch, pos + 1, size);
        }
      }
      if (r == null) {
        if (!out.isEmpty()) {
          return out; // deliver what precedes it; the next call starts at it and skips it
        }
        if (!skip(seg, resume)) {
          return out;
        }
        pos = resume;
        continue;
      }
      if (!out.isEmpty() && total + r.bytes().length > maxBytesPerBatch) {
        return out;
      }
      out.add(r);
      total += r.bytes().length;
      pos = r.end();
    }
  }

  /**
   * Moves the cursor past a torn record (nothing before it is pending), counts it once and persists
   * the cursor, so neither a later call nor a restart meets it again. False when a drop moved the
   * cursor meanwhile.
   */
  private synchronized boolean skip(long seg, long resume) throws IOException {
    if (!segments.containsKey(seg) || readSegment > seg) {
      return false;
    }
    tornRecords++;
    readSegment = seg;
    readOffset = resume;
    while (segments.firstKey() < readSegment) {
      long id = segments.pollFirstEntry().getKey();
      Files.deleteIfExists(file(id));
    }
    bytesOnDisk = total();
    persistCursor();
    return true;
  }

  /** Marks everything up to the end of {@code last} delivered; persists the cursor. */
  synchronized void commit(Record last) throws IOException {
    if (!segments.containsKey(last.segment())) {
      return; // its segment was dropped meanwhile
    }
    readSegment = last.segment();
    readOffset = last.end();
    while (segments.firstKey() < readSegment) {
      long id = segments.pollFirstEntry().getKey();
      Files.deleteIfExists(file(id));
    }
    bytesOnDisk = total();
    persistCursor();
  }

  private void persistCursor() throws IOException {
    Path tmp = dir.resolve(CURSOR + ".tmp");
    Files.writeString(tmp, readSegment + " " + readOffset + "\n", StandardCharsets.US_ASCII);
    try {
      Files.move(
          tmp,
          dir.resolve(CURSOR),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(CURSOR), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Bytes on disk. */
  long bytes() {
    return bytesOnDisk;
  }

  /** The bound. */
  long maxBytes() {
    return maxBytes;
  }

  @Override
  public synchronized void close() throws IOException {
    if (syncer != null) {
      syncer.shutdownNow();
    }
    if (sync != SpoolSync.NONE && writer.isOpen()) {
      writer.force(false);
    }
    writer.close();
  }
}
