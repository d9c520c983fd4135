package hermes.collector.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A disk queue of trace requests: append-only segment files of records ({@code length, CRC32C,
 * spans, bytes}), read in order from a cursor that is persisted after each delivered batch, so a
 * restart (even after {@code kill -9}) resumes where delivery stopped and no accepted request is
 * lost. A torn record at the end of the last segment (a crash mid-write) is cut off at open and
 * counted; the spool is bounded, and when full its oldest segment is dropped and its spans counted.
 *
 * <p>Written by hand because no library in this project's set offers a bounded, CRC-checked,
 * cursor-based segment log; it is a few hundred lines of plain NIO.
 *
 * <p>Threading: {@link #append} from any thread (serialized); {@link #next}, {@link #commit} from
 * the one exporter thread. Segment list and cursor changes are guarded by this object.
 */
final class Spool implements AutoCloseable {
  static final int HEADER = 12;
  private static final String CURSOR = "cursor";

  /** One record read back. */
  record Record(byte[] bytes, int spans, long segment, long end) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final TreeMap<Long, Long> segments = new TreeMap<>(); // id -> size
  private FileChannel writer;
  private long writeSegment;
  private long readSegment;
  private long readOffset;
  long tornRecords;
  long droppedSpans;

  Spool(Path dir, long maxBytes, long segmentBytes) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
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
    writer =
        FileChannel.open(
            file(writeSegment),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
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
  }

  private Path file(long id) {
    return dir.resolve(String.format("segment-%020d.log", id));
  }

  /** Cuts a torn record off the end of a segment; returns the segment's valid size. */
  private long truncateTornTail(long id) throws IOException {
    Path p = file(id);
    if (!Files.exists(p)) {
      return 0;
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long pos = 0;
      while (pos < size) {
        Record r = read(ch, id, pos, size);
        if (r == null) {
          tornRecords++;
          ch.truncate(pos);
          return pos;
        }
        pos = r.end();
      }
      return size;
    }
  }

  /** The record at {@code pos}, or null when it is incomplete or its CRC does not match. */
  private static Record read(FileChannel ch, long id, long pos, long size) throws IOException {
    if (size - pos < HEADER) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    ch.read(h, pos);
    h.flip();
    int len = h.getInt();
    int crc = h.getInt();
    int spans = h.getInt();
    if (len < 0 || size - pos - HEADER < len) {
      return null;
    }
    byte[] bytes = new byte[len];
    ch.read(ByteBuffer.wrap(bytes), pos + HEADER);
    CRC32C c = new CRC32C();
    c.update(bytes);
    if ((int) c.getValue() != crc) {
      return null;
    }
    return new Record(bytes, spans, id, pos + HEADER + len);
  }

  /** Appends one request; drops the oldest segment(s) first when the spool would overflow. */
  synchronized void append(byte[] bytes, int spans) throws IOException {
    long size = HEADER + bytes.length;
    long current = segments.get(writeSegment);
    boolean consumed = readSegment == writeSegment && readOffset == current;
    if (current > 0 && (consumed || current + size > segmentBytes)) {
      writer.close();
      writeSegment++;
      segments.put(writeSegment, 0L);
      writer =
          FileChannel.open(
              file(writeSegment),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND);
      if (consumed) { // everything in the old one was delivered: start reading the new one
        segments.remove(writeSegment - 1);
        Files.deleteIfExists(file(writeSegment - 1));
        readSegment = writeSegment;
        readOffset = 0;
      }
    }
    while (total() + size > maxBytes && segments.size() > 1) {
      dropOldest();
    }
    CRC32C c = new CRC32C();
    c.update(bytes);
    ByteBuffer b = ByteBuffer.allocate((int) size);
    b.putInt(bytes.length).putInt((int) c.getValue()).putInt(spans).put(bytes).flip();
    while (b.hasRemaining()) {
      writer.write(b);
    }
    segments.put(writeSegment, segments.get(writeSegment) + size);
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
        for (long pos = from; pos < size; ) {
          Record r = read(ch, id, pos, size);
          if (r == null) {
            break;
          }
          droppedSpans += r.spans();
          pos = r.end();
        }
      }
    }
    segments.remove(id);
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
      try (FileChannel ch = FileChannel.open(file(seg), StandardOpenOption.READ)) {
        r = read(ch, seg, pos, size);
      }
      if (r == null) {
        synchronized (this) {
          tornRecords++; // unreadable: skip the rest of this segment
          Long next = segments.higherKey(seg);
          if (next == null) {
            return out;
          }
          seg = next;
        }
        pos = 0;
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
  synchronized long bytes() {
    return total();
  }

  /** The bound. */
  long maxBytes() {
    return maxBytes;
  }

  @Override
  public synchronized void close() throws IOException {
    writer.close();
  }
}
