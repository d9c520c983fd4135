package hermes.collector.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * A value loaded from files and loaded again when they change: cert-manager, Kubernetes secret
 * mounts and an operator's editor all replace the files in place. {@link #get} (a new connection or
 * request, never per span) asks for a look at the files' modification time, size and inode at most
 * once per {@link #CHECK_INTERVAL_NANOS}; the look and any reload run on one shared daemon thread,
 * never on the caller's (an event loop must not wait on the disk), and later callers get the new
 * value. A file that fails to load keeps the previous value (reported through {@code onReload}).
 * Nothing runs while no one calls {@link #get}: no timer.
 *
 * <p>Threading: {@link #get} from any thread, never blocking; at most one check per instance is
 * queued or running at a time.
 *
 * @param <T> the loaded value
 */
final class WatchedFiles<T> {
  static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

  /** Reads the value from the files. */
  @FunctionalInterface
  interface Loader<T> {
    T load() throws IOException, GeneralSecurityException;
  }

  private final List<Path> files;
  private final Loader<T> loader;
  private final BiConsumer<Boolean, Exception> onReload;
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile T value;
  private volatile long nextCheck;
  private Object[] stamps; // only touched by the check that holds checking

  /**
   * Loads the value now.
   *
   * @param onReload told of each reload after the first: (true, null) or (false, the error)
   * @throws IOException or GeneralSecurityException when the first load fails
   */
  WatchedFiles(List<Path> files, Loader<T> loader, BiConsumer<Boolean, Exception> onReload)
      throws IOException, GeneralSecurityException {
    this.files = List.copyOf(files);
    this.loader = loader;
    this.onReload = Objects.requireNonNull(onReload);
    this.stamps = stamps();
    this.value = loader.load();
    this.nextCheck = System.nanoTime() + CHECK_INTERVAL_NANOS;
  }

  /**
   * The current value; when a check is due, one is handed to the checking thread and a change is
   * seen by later calls.
   */
  T get() {
    if (System.nanoTime() - nextCheck >= 0 && checking.compareAndSet(false, true)) {
      Checker.THREAD.execute(this::check);
    }
    return value;
  }

  private void check() {
    try {
      Object[] now = stamps();
      if (!java.util.Arrays.equals(now, stamps)) {
        stamps = now;
        try {
          value = loader.load();
          onReload.accept(true, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
          onReload.accept(false, e);
        }
      }
    } finally {
      nextCheck = System.nanoTime() + CHECK_INTERVAL_NANOS;
      checking.set(false);
    }
  }

  /**
   * The one thread that looks at watched files, shared by every instance; parked while there is
   * nothing to check, a daemon so it never holds the JVM up.
   */
  private static final class Checker {
    static final java.util.concurrent.Executor THREAD =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "watched-files");
              t.setDaemon(true);
              return t;
            });
  }

  private Object[] stamps() {
    Object[] out = new Object[files.size() * 3];
    for (int i = 0; i < files.size(); i++) {
      try {
        BasicFileAttributes a = Files.readAttributes(files.get(i), BasicFileAttributes.class);
        out[3 * i] = a.lastModifiedTime();
        out[3 * i + 1] = a.size();
        out[3 * i + 2] = a.fileKey();
      } catch (IOException e) {
        out[3 * i] = "missing"; // a file being replaced; checked again next time
      }
    }
    return out;
  }
}
