package hermes.collector.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFilesTest {
  @TempDir Path dir;

  @Test
  void aChangedFileIsReloadedOffTheCallingThreadAndSeenByLaterCalls() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "one");
    Set<Thread> loadedOn = ConcurrentHashMap.newKeySet();
    AtomicInteger reloads = new AtomicInteger();
    WatchedFiles<String> watched =
        new WatchedFiles<>(
            List.of(file),
            () -> {
              loadedOn.add(Thread.currentThread());
              return Files.readString(file);
            },
            (ok, error) -> reloads.incrementAndGet());
    assertThat(watched.get()).isEqualTo("one");
    loadedOn.clear(); // the first load is the constructor's, on this thread

    Files.writeString(file, "two, longer"); // another size: a change whatever the clock's grain
    await(() -> "two, longer".equals(watched.get()));

    assertThat(reloads.get()).isEqualTo(1);
    // An event loop calling get() must never wait on the disk: the reload ran elsewhere.
    assertThat(loadedOn).isNotEmpty().doesNotContain(Thread.currentThread());
  }

  @Test
  void aFileThatFailsToLoadKeepsThePreviousValue() throws Exception {
    Path file = dir.resolve("cert");
    Files.writeString(file, "good");
    AtomicInteger failures = new AtomicInteger();
    WatchedFiles<String> watched =
        new WatchedFiles<>(
            List.of(file),
            () -> {
              String s = Files.readString(file);
              if (s.startsWith("bad")) {
                throw new java.io.IOException("not a certificate");
              }
              return s;
            },
            (ok, error) -> {
              if (!ok) {
                failures.incrementAndGet();
              }
            });
    Files.writeString(file, "bad content");
    await(
        () -> {
          watched.get();
          return failures.get() == 1;
        });
    assertThat(watched.get()).isEqualTo("good");
  }

  private static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 30 s");
      }
      Thread.sleep(20);
    }
  }
}
