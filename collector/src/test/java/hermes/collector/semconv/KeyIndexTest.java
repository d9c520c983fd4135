package hermes.collector.semconv;

import static org.assertj.core.api.Assertions.assertThat;

import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyIndex} matches a known key only on all of its bytes (it compares words, not bytes),
 * forgets what the previous span had, and {@link NameCache} gives back the name of exactly the
 * bytes it is given.
 */
class KeyIndexTest {

  @Test
  void everyKnownKeyIsFoundAndNoNearMissIs() throws Exception {
    for (Key key : Key.VALUES) {
      // Near misses first: every byte changed in turn, one byte more, one byte less.
      List<Object> attrs = new ArrayList<>();
      for (int j = 0; j < key.name.length(); j++) {
        attrs.add(key.name.substring(0, j) + '#' + key.name.substring(j + 1));
        attrs.add(1L);
      }
      attrs.add(key.name + "s");
      attrs.add(1L);
      attrs.add(key.name.substring(0, key.name.length() - 1));
      attrs.add(1L);
      int nearMisses = attrs.size() / 2;
      attrs.add(key.name);
      attrs.add(7L);
      attrs.add(key.name); // repeated: the first one wins
      attrs.add(8L);
      KeyIndex k = new KeyIndex();
      index(List.of(span(1, attrs.toArray())), s -> k.index(s.attributes()));
      for (Key other : Key.VALUES) {
        int expected = other == key ? nearMisses : -1;
        if (other != key && other.name.length() == key.name.length() + 1) {
          // "x" + "s" may be another known key (none is today); then it is found, rightly.
          expected = other.name.equals(key.name + "s") ? nearMisses - 2 : -1;
        }
        assertThat(k.at(other)).as("%s among near misses of %s", other, key).isEqualTo(expected);
      }
    }
  }

  @Test
  void aSpanDoesNotSeeTheKeysOfTheSpanBefore() throws Exception {
    KeyIndex k = new KeyIndex();
    List<int[]> seen = new ArrayList<>();
    index(
        List.of(
            span(1, "gen_ai.request.model", "m", "session.id", "s", "error.type", "e"),
            span(2, "gen_ai.tool.name", "t"),
            span(3)),
        s -> {
          k.index(s.attributes());
          seen.add(
              new int[] {
                k.at(Key.GEN_AI_REQUEST_MODEL),
                k.at(Key.SESSION_ID),
                k.at(Key.ERROR_TYPE),
                k.at(Key.GEN_AI_TOOL_NAME)
              });
        });
    assertThat(seen.get(0)).containsExactly(0, 1, 2, -1);
    assertThat(seen.get(1)).containsExactly(-1, -1, -1, 0);
    assertThat(seen.get(2)).containsExactly(-1, -1, -1, -1);
  }

  @Test
  void nameCacheGivesTheNameOfExactlyTheBytesGiven() throws Exception {
    // Session keys alike but for one byte, at every position, more than the cache has slots.
    NameCache cache = new NameCache(null, s -> s);
    List<String> keys = new ArrayList<>();
    String base = "0f8fad5b-d9cb-469f-a165-70867728950e";
    for (int round = 0; round < 3; round++) {
      for (int j = 0; j < base.length(); j++) {
        for (char c : "0123456789abcdef".toCharArray()) {
          keys.add(base.substring(0, j) + c + base.substring(j + 1));
        }
      }
      keys.add("");
      keys.add("x");
      keys.add("1234567");
      keys.add("12345678");
    }
    List<Object> attrs = new ArrayList<>();
    for (String key : keys) {
      attrs.add("session.id");
      attrs.add(key);
    }
    List<String> got = new ArrayList<>();
    index(
        List.of(span(1, attrs.toArray())),
        s -> {
          var a = s.attributes();
          for (int i = 0; i < a.size(); i++) {
            got.add(cache.get(a.buffer(), a.valueOffset(i), a.valueLength(i)));
          }
        });
    assertThat(got).isEqualTo(keys);
  }

  private static Span span(long id, Object... kv) {
    return Spans.attrs(Spans.span(9, id, 0, "s"), kv).build();
  }

  private static void index(List<Span> spans, Consumer<SpanView> each)
      throws MalformedOtlpException {
    new TraceRequestReader(new ReaderLimits(8, 10_000))
        .read(
            Spans.request("svc", spans).toByteArray(),
            new TraceVisitor() {
              @Override
              public void span(SpanView s) {
                each.accept(s);
              }
            });
  }
}
