package hermes.collector.session;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.cost.PriceFile;
import hermes.collector.cost.Pricing;
import hermes.collector.ingest.Encoding;
import hermes.collector.ingest.Ingest;
import hermes.collector.ingest.IngestInstrumentation;
import hermes.collector.ingest.Protocol;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.semconv.Names;
import hermes.collector.semconv.Normalizer;
import hermes.collector.semconv.Spans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shard threads wait for a signal, not by polling: with nothing pending a shard parks without a
 * deadline (WAITING; a polling loop is TIMED_WAITING or RUNNABLE), its timers (settle delay, idle
 * timeouts) still fire with no message to wake it, and no post is lost while producers race the
 * worker going to sleep. Real shard threads, no inline draining.
 */
class ShardWakeupTest {
  private final List<SessionRecord> finished = new CopyOnWriteArrayList<>();
  private final AssemblyListener listener =
      new AssemblyListener() {
        @Override
        public void sessionFinished(SessionRecord s) {
          finished.add(s);
        }
      };
  private SessionAssembler assembler;

  private Ingest start(Duration settle, Duration idle) throws Exception {
    assembler =
        new SessionAssembler(
            new AssemblyConfig(1, settle, idle, 1_000, 10_000, 1_000, Integer.MAX_VALUE),
            Pricing.of(PriceFile.parse(new StringReader(SessionAssemblerTest.PRICES), "test")),
            () -> new Normalizer(new Names(256), Map.of(), new LongAdder(), 0),
            listener);
    assembler.start();
    return new Ingest(ReaderLimits.DEFAULT, assembler, IngestInstrumentation.NOOP);
  }

  @AfterEach
  void stop() {
    if (assembler != null) {
      assembler.close();
    }
  }

  @Test
  void anIdleShardParksWithoutADeadlineAndItsTimersFireWithNoMessageToWakeIt() throws Exception {
    Ingest ingest = start(Duration.ofMillis(200), Duration.ofSeconds(1));
    Thread shard = assembler.shardThread(0);
    await(() -> shard.getState() == Thread.State.WAITING, "the idle shard parks with no deadline");

    // A whole session (its session span closes it after the settle delay) and a rootless one (it
    // ends when it has been quiet for the idle timeout). Nothing is posted after these requests:
    // only the shard's own deadlines can finalize them.
    List<Span> whole = Spans.hermesSession(1, "whole", 1, false);
    List<Span> rootless = Spans.hermesSession(2, "rootless", 1, false).subList(0, 2);
    List<Span> both = new ArrayList<>(whole);
    both.addAll(rootless);
    ingest.traces(Spans.request("agent", both).toByteArray(), Encoding.PROTOBUF, Protocol.HTTP);
    await(() -> finished.size() == 2, "both sessions finalized by the shard's timers");
    assertThat(finished)
        .extracting(SessionRecord::key)
        .containsExactlyInAnyOrder("whole", "rootless");
    assertThat(finished.stream().filter(s -> s.key().equals("whole")).findFirst().orElseThrow())
        .extracting(SessionRecord::outcome)
        .isEqualTo("completed");

    // Everything settled and idled out: nothing pending, so no deadline again.
    await(
        () -> shard.getState() == Thread.State.WAITING && assembler.liveTraces() == 0,
        "the shard parks with no deadline once nothing is pending");
  }

  @Test
  void producersRacingTheShardGoingToSleepLoseNoWakeup() throws Exception {
    start(Duration.ofSeconds(5), Duration.ofMinutes(30));
    int producers = 4;
    int roundTrips = 3_000;
    ExecutorService pool = Executors.newFixedThreadPool(producers + 2);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      // Each round trip lets the shard run dry and go to sleep; the next post must wake it. A
      // lost wakeup leaves a query unanswered (the shard sleeps with nothing pending, forever).
      for (int p = 0; p < producers; p++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < roundTrips; i++) {
                    assembler.sessionAsync("none").get(30, TimeUnit.SECONDS);
                  }
                  return roundTrips;
                }));
      }
      // Bursts posted without waiting, so the shard alternates between busy and idle.
      for (int p = 0; p < 2; p++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  int n = 0;
                  for (int burst = 0; burst < 200; burst++) {
                    List<CompletableFuture<SessionRecord>> answers = new ArrayList<>();
                    for (int i = 0; i < 1 + burst % 17; i++) {
                      answers.add(assembler.sessionAsync("burst-" + i));
                    }
                    for (CompletableFuture<SessionRecord> a : answers) {
                      a.get(30, TimeUnit.SECONDS);
                      n++;
                    }
                  }
                  return n;
                }));
      }
      go.countDown();
      int answered = 0;
      for (Future<Integer> f : done) {
        answered += f.get(120, TimeUnit.SECONDS);
      }
      assertThat(answered).isGreaterThan(producers * roundTrips);
    } finally {
      pool.shutdownNow();
    }
    Thread shard = assembler.shardThread(0);
    await(() -> shard.getState() == Thread.State.WAITING, "the shard sleeps again");
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what).isNegative();
      Thread.sleep(5); // polling a condition with a deadline, not a guessed wait
    }
  }
}
