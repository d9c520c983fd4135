package hermes.collector.session;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.semconv.Role;
import hermes.collector.semconv.ToolStatus;
import org.junit.jupiter.api.Test;

class PackedCallsTest {
  private static CallRecord llm(long spanId) {
    return new CallRecord(
        Role.LLM,
        spanId,
        1_700_000_000_000_000_000L + spanId,
        2_500_000_000L,
        "gpt-4o",
        new String("openai"), // equal, not identical: the table compares by value too
        1000,
        200,
        300,
        40,
        50,
        spanId % 3 == 0 ? -1 : 12_345_678L,
        "stop",
        spanId % 5 == 0 ? "rate_limit" : null,
        null,
        null);
  }

  private static CallRecord tool(long spanId) {
    return new CallRecord(
        Role.TOOL,
        spanId,
        1_700_000_000_000_000_000L + spanId,
        1_000_000L,
        null,
        null,
        0,
        0,
        0,
        0,
        0,
        0,
        null,
        null,
        "terminal",
        ToolStatus.TIMEOUT,
        spanId % 2 == 0 ? "{\"cmd\": \"ls\"}" : null,
        "out");
  }

  @Test
  void callsComeBackEqualThroughGrowthIndexAndCompaction() {
    PackedCalls p = new PackedCalls(1, 1, new SlotPool(1 << 20));
    int n = 100; // past the scan limit: found through the index
    for (long id = 1; id <= n; id++) {
      int slot = id % 4 == 0 ? p.add(id) : p.add(id % 2 == 0 ? tool(id) : llm(id));
      p.extraLong(slot, 0, -id);
      p.extraInt(slot, 0, (int) id * 7);
      p.ref(slot, id % 4 == 0 ? "span-" + id : null);
    }
    for (long id = 1; id <= n; id++) {
      int slot = p.find(id);
      assertThat(slot).isEqualTo(id - 1);
      assertThat(p.get(slot)).isEqualTo(id % 4 == 0 ? null : id % 2 == 0 ? tool(id) : llm(id));
      assertThat(p.extraLong(slot, 0)).isEqualTo(-id);
      assertThat(p.extraInt(slot, 0)).isEqualTo((int) id * 7);
      assertThat(p.ref(slot)).isEqualTo(id % 4 == 0 ? "span-" + id : null);
    }
    assertThat(p.find(n + 1)).isEqualTo(-1);

    int dropped = p.retain((q, slot) -> q.spanId(slot) % 3 != 0);
    assertThat(dropped).isEqualTo(33);
    assertThat(p.size()).isEqualTo(67);
    for (long id = 1; id <= n; id++) {
      int slot = p.find(id);
      if (id % 3 == 0) {
        assertThat(slot).isEqualTo(-1);
        continue;
      }
      assertThat(p.spanId(slot)).isEqualTo(id);
      assertThat(p.get(slot)).isEqualTo(id % 4 == 0 ? null : id % 2 == 0 ? tool(id) : llm(id));
      assertThat(p.extraLong(slot, 0)).isEqualTo(-id);
      assertThat(p.ref(slot)).isEqualTo(id % 4 == 0 ? "span-" + id : null);
    }

    p.retain((q, slot) -> q.spanId(slot) < 10); // back under the scan limit
    assertThat(p.size()).isEqualTo(6);
    assertThat(p.get(p.find(8))).isNull();
    assertThat(p.get(p.find(7))).isEqualTo(llm(7));
    assertThat(p.find(50)).isEqualTo(-1);

    p.retain((q, slot) -> false);
    assertThat(p.size()).isZero();
    assertThat(p.find(1)).isEqualTo(-1);
    // The arrays went back to the pool and come out again with their old contents: a new slot
    // shows none of them.
    for (long id = 1; id <= n; id++) {
      int slot = p.add(id + 1000);
      assertThat(p.get(slot)).isNull();
      assertThat(p.extraLong(slot, 0)).isZero();
      assertThat(p.extraInt(slot, 0)).isZero();
      assertThat(p.ref(slot)).isNull();
    }
    p.clear();
    p.add(tool(2));
    assertThat(p.get(p.find(2))).isEqualTo(tool(2));
  }

  @Test
  void aSpanIdAddedTwiceFindsTheLaterSlot() {
    PackedCalls p = new PackedCalls(0, 0, new SlotPool(1 << 20));
    for (int round = 0; round < 2; round++) { // scanned, then indexed
      p.add(llm(1));
      for (long id = 2; id <= 20; id++) {
        p.add(tool(id));
      }
      int later = p.add(tool(1));
      assertThat(p.find(1)).isEqualTo(later);
      assertThat(p.get(p.find(1))).isEqualTo(tool(1));
      p.clearCall(later);
      assertThat(p.has(later)).isFalse();
      p.clear();
    }
  }
}
