package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.config.CollectorConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> texts(List<Spool.Record> rs) {
    return rs.stream().map(r -> new String(r.bytes(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void recordsComeBackInOrderAndTheCursorSurvivesAReopen() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 64)) { // tiny segments: several files
      for (int i = 0; i < 10; i++) {
        s.append(b("request-" + i), i);
      }
      List<Spool.Record> first = s.next(40);
      assertThat(texts(first)).containsExactly("request-0", "request-1", "request-2", "request-3");
      s.commit(first.get(first.size() - 1));
    }
    try (Spool s = new Spool(dir, 1 << 20, 64)) {
      List<Spool.Record> rest = s.next(1 << 20);
      assertThat(texts(rest))
          .containsExactly(
              "request-4", "request-5", "request-6", "request-7", "request-8", "request-9");
      assertThat(rest.get(5).spans()).isEqualTo(9);
      s.commit(rest.get(rest.size() - 1));
      assertThat(s.next(1 << 20)).isEmpty();
    }
  }

  @Test
  void aTornTailIsCutOffAndCounted() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      s.append(b("whole"), 1);
      s.append(b("torn-by-a-crash"), 1);
    }
    Path segment;
    try (Stream<Path> files = Files.list(dir)) {
      segment =
          files
              .filter(p -> p.getFileName().toString().startsWith("segment-"))
              .findFirst()
              .orElseThrow();
    }
    long size = Files.size(segment);
    try (var ch = java.nio.channels.FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(size - 4); // the crash cut the last record short
    }
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      assertThat(s.tornRecords).isEqualTo(1);
      assertThat(texts(s.next(1 << 20))).containsExactly("whole");
      s.append(b("after"), 1);
      assertThat(texts(s.next(1 << 20))).containsExactly("whole", "after");
    }
  }

  @Test
  void aCorruptRecordIsNotDelivered() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      s.append(b("good"), 1);
      s.append(b("flipped"), 1);
    }
    Path segment;
    try (Stream<Path> files = Files.list(dir)) {
      segment =
          files
              .filter(p -> p.getFileName().toString().startsWith("segment-"))
              .findFirst()
              .orElseThrow();
    }
    byte[] all = Files.readAllBytes(segment);
    all[all.length - 1] ^= 1; // one bit of the last record
    Files.write(segment, all);
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      assertThat(texts(s.next(1 << 20))).containsExactly("good");
      assertThat(s.tornRecords).isEqualTo(1);
    }
  }

  @Test
  void whenFullTheOldestSegmentIsDroppedAndItsSpansCounted() throws Exception {
    try (Spool s = new Spool(dir, 200, 60)) {
      for (int i = 0; i < 20; i++) {
        s.append(b("request-" + String.format("%02d", i)), 3); // 22 bytes a record
      }
      assertThat(s.bytes()).isLessThanOrEqualTo(200);
      assertThat(s.droppedSpans).isPositive();
      List<Spool.Record> left = s.next(1 << 20);
      assertThat(texts(left)).last().isEqualTo("request-19");
      assertThat(s.droppedSpans + 3L * left.size()).isEqualTo(60);
    }
  }

  @Test
  void aFullyDeliveredSpoolStartsAFreshSegment() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      s.append(b("one"), 1);
      s.commit(s.next(100).get(0));
      s.append(b("two"), 1);
      assertThat(texts(s.next(100))).containsExactly("two");
      assertThat(s.bytes()).isEqualTo(Spool.HEADER + 3);
    }
  }

  private Path onlySegment() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("segment-"))
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  private long bytesOnDisk() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      long n = 0;
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().startsWith("segment-")) {
          n += Files.size(p);
        }
      }
      return n;
    }
  }

  @Test
  void aFailedWriteThrowsAndLeavesNoPartialRecordBehind() throws Exception {
    try (DiskFull disk = DiskFull.install(dir)) {
      try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
        s.append(b("before"), 1);
        disk.failAfter(Spool.HEADER + 3); // the next record is cut short by a full disk
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.append(b("refused"), 1))
            .isInstanceOf(java.io.IOException.class);
        assertThat(Files.size(onlySegment())).isEqualTo(Spool.HEADER + 6L); // cut off again
        disk.clear();
        s.append(b("after"), 1);
        List<Spool.Record> rs = s.next(1 << 20);
        assertThat(texts(rs)).containsExactly("before", "after");
        assertThat(s.tornRecords).isZero();
      }
      try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
        assertThat(texts(s.next(1 << 20))).containsExactly("before", "after");
        assertThat(s.tornRecords).isZero();
      }
    }
  }

  @Test
  void aCommitThatRefusesCutsTheRecordOffAgain() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      assertThat(s.append(b("refused"), 1, () -> false)).isFalse();
      assertThat(s.next(1 << 20)).isEmpty();
      assertThat(s.append(b("taken"), 1, () -> true)).isTrue();
      assertThat(texts(s.next(1 << 20))).containsExactly("taken");
      assertThat(Files.size(onlySegment())).isEqualTo(Spool.HEADER + 5L);
    }
  }

  @Test
  void aTornRecordInTheMiddleIsSkippedOnceAndEverythingAfterItIsDelivered() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      for (String t : List.of("one", "two", "three", "four")) {
        s.append(b(t), 1);
      }
      byte[] all = Files.readAllBytes(onlySegment());
      all[2 * Spool.HEADER + 3 + 1] ^= 1; // a bit of "two"
      Files.write(onlySegment(), all);
      List<Spool.Record> first = s.next(1 << 20);
      assertThat(texts(first)).containsExactly("one"); // what precedes it goes first
      s.commit(first.get(0));
      List<Spool.Record> rest = s.next(1 << 20);
      assertThat(texts(rest)).containsExactly("three", "four");
      assertThat(s.tornRecords).isEqualTo(1);
      for (int i = 0; i < 5; i++) { // not re-read, not counted again, even before a commit
        assertThat(texts(s.next(1 << 20))).containsExactly("three", "four");
      }
      assertThat(s.tornRecords).isEqualTo(1);
    }
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) { // a restart keeps every whole record
      assertThat(texts(s.next(1 << 20))).containsExactly("three", "four");
      assertThat(s.tornRecords).isZero();
    }
  }

  @Test
  void aRestartKeepsTheWholeRecordsAfterATornOne() throws Exception {
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      for (String t : List.of("one", "two", "three")) {
        s.append(b(t), 1);
      }
    }
    byte[] all = Files.readAllBytes(onlySegment());
    all[Spool.HEADER + 1] ^= 1; // a bit of "one"
    Files.write(onlySegment(), all);
    try (Spool s = new Spool(dir, 1 << 20, 1 << 20)) {
      assertThat(texts(s.next(1 << 20))).containsExactly("two", "three");
      assertThat(s.tornRecords).isEqualTo(1);
      s.append(b("four"), 1);
      assertThat(texts(s.next(1 << 20))).containsExactly("two", "three", "four");
      assertThat(s.tornRecords).isEqualTo(1);
    }
  }

  @Test
  void aBoundBelowTheSegmentSizeIsHonoured() throws Exception {
    byte[] kib = new byte[1024];
    try (Spool s = new Spool(dir, 64 * 1024, 64L << 20)) {
      for (int i = 0; i < 1000; i++) {
        s.append(kib, 1);
      }
      assertThat(s.bytes()).isLessThanOrEqualTo(64 * 1024);
      assertThat(bytesOnDisk()).isLessThanOrEqualTo(64 * 1024);
      assertThat(s.droppedSpans + s.next(Integer.MAX_VALUE).size()).isEqualTo(1000);
    }
  }

  @Test
  void everySyncModeKeepsWhatItWrote() throws Exception {
    for (CollectorConfig.Forward.SpoolSync sync : CollectorConfig.Forward.SpoolSync.values()) {
      Path d = dir.resolve(sync.name());
      try (Spool s = new Spool(d, 1 << 20, 1 << 20, sync, java.time.Duration.ofMillis(5))) {
        s.append(b("kept"), 1);
      }
      try (Spool s = new Spool(d, 1 << 20, 1 << 20)) {
        assertThat(texts(s.next(1 << 20))).as(sync.name()).containsExactly("kept");
      }
    }
  }
}
