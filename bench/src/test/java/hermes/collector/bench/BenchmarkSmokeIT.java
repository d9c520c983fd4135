package hermes.collector.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs every JMH benchmark of the built {@code benchmarks.jar} once, in one fork with one short
 * iteration, so none rots. It asserts that each runs and reports a score, never how fast.
 */
class BenchmarkSmokeIT {
  @Test
  void everyBenchmarkRunsOnceAndReportsAScore() throws Exception {
    Path target = Path.of("target");
    Path jar = target.resolve("benchmarks.jar");
    assertThat(jar).exists();
    List<String> declared =
        Files.readAllLines(target.resolve("classes/META-INF/BenchmarkList")).stream()
            .filter(l -> !l.isBlank())
            .collect(Collectors.toList());
    assertThat(declared).isNotEmpty();

    Path csv = target.resolve("jmh-smoke.csv");
    Path log = target.resolve("jmh-smoke.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "-f",
                "1",
                "-wi",
                "0",
                "-i",
                "1",
                "-r",
                "200ms",
                "-jvmArgs",
                "-Xmx512m",
                "-rf",
                "csv",
                "-rff",
                csv.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("benchmarks finish").isTrue();
    assertThat(p.exitValue()).as("exit status; see %s", log).isZero();

    List<String> rows = Files.readAllLines(csv);
    List<String> results = rows.subList(1, rows.size()); // the first row is the header
    // one or more results (one per parameter value) for every declared benchmark
    assertThat(results.stream().map(r -> r.split(",")[0]).distinct())
        .as("a result for every benchmark; see %s", log)
        .hasSize(declared.size());
    for (String row : results) {
      // "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit"[,params...]
      String[] cells = row.split(",");
      double score = Double.parseDouble(cells[4]);
      assertThat(score).as(row).isPositive();
    }
  }
}
