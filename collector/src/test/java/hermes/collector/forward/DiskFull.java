package hermes.collector.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A full disk for one spool directory, without root tricks: the spool's segment files are opened
 * through channels that write for real until a byte budget is spent, then write what fits (a
 * partial record, as a real full disk does) and fail with "No space left on device". Truncation
 * still works, as it does on a full disk. {@link #stall()} makes it a slow disk instead: writes
 * wait until {@link #resume()}. {@link #close()} takes it out again.
 *
 * <p>Threading: the budget is atomic; the channels are used as the spool uses them.
 */
public final class DiskFull implements AutoCloseable {
  private final Path dir;
  private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong failures = new AtomicLong();
  private final Object gate = new Object();
  private boolean stalled; // guarded by gate
  private final java.util.concurrent.BlockingQueue<String> stalledWriters =
      new java.util.concurrent.LinkedBlockingQueue<>();

  private DiskFull(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** Installs it for the spool that will be opened in {@code dir} (install before opening). */
  public static DiskFull install(Path dir) {
    DiskFull d = new DiskFull(dir);
    Spool.OPENERS.put(d.dir, (file, options) -> d.new Failing(FileChannel.open(file, options)));
    return d;
  }

  /** From now on, {@code bytes} more bytes are written, then every write fails. */
  public void failAfter(long bytes) {
    budget.set(bytes);
  }

  /** The disk has room again. */
  public void clear() {
    budget.set(Long.MAX_VALUE);
  }

  /** A slow disk: from now on every write waits until {@link #resume}. */
  public void stall() {
    synchronized (gate) {
      stalled = true;
    }
  }

  /** The disk answers again: the writes waiting go on. */
  public void resume() {
    synchronized (gate) {
      stalled = false;
      gate.notifyAll();
    }
  }

  /** The name of a thread that waits in a stalled write (waits up to 30 s for one). */
  public String awaitStalledWriter() throws InterruptedException {
    String name = stalledWriters.poll(30, java.util.concurrent.TimeUnit.SECONDS);
    if (name == null) {
      throw new AssertionError("no write reached the stalled disk within 30 s");
    }
    return name;
  }

  /** Writes that failed. */
  public long failures() {
    return failures.get();
  }

  @Override
  public void close() {
    resume();
    Spool.OPENERS.remove(dir);
  }

  private final class Failing extends FileChannel {
    private final FileChannel d;

    Failing(FileChannel d) {
      this.d = d;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      synchronized (gate) {
        if (stalled) {
          stalledWriters.add(Thread.currentThread().getName());
        }
        while (stalled) {
          try {
            gate.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted in a stalled write");
          }
        }
      }
      long left = budget.get();
      if (left <= 0) {
        failures.incrementAndGet();
        throw new IOException("No space left on device (injected)");
      }
      if (src.remaining() <= left) {
        int n = d.write(src);
        budget.addAndGet(-n);
        return n;
      }
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + (int) left);
      int n = d.write(part);
      src.position(src.position() + n);
      budget.addAndGet(-n);
      return n;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      throw new UnsupportedOperationException("the spool writes one buffer at a time");
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      d.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      throw new UnsupportedOperationException("the spool appends");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
