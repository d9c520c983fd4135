package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;

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
}
