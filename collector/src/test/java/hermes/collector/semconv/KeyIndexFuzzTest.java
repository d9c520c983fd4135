package hermes.collector.semconv;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import hermes.collector.proto.MalformedOtlpException;
import hermes.collector.proto.ReaderLimits;
import hermes.collector.proto.SpanView;
import hermes.collector.proto.TraceRequestReader;
import hermes.collector.proto.TraceVisitor;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided differential fuzzing of the word-wise matchers: {@link KeyIndex} (three words per
 * key, partial reset between spans) finds a known key exactly where a byte-by-byte search of the
 * span's attributes does, and {@link NameCache} (hash and compare eight bytes at a time) gives the
 * name of exactly the bytes it is given. Keys are known keys with bytes changed, added or removed,
 * or arbitrary bytes, over several spans read by one reused index and cache.
 */
class KeyIndexFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void matchesExactlyWhatAByteSearchFinds(FuzzedDataProvider data) throws MalformedOtlpException {
    List<Span> spans = new ArrayList<>();
    for (int s = data.consumeInt(1, 4); s > 0; s--) {
      List<Object> kv = new ArrayList<>();
      for (int n = data.consumeInt(0, 12); n > 0; n--) {
        kv.add(key(data));
        kv.add(1L);
      }
      spans.add(Spans.attrs(Spans.span(9, spans.size() + 1, 0, "s"), kv.toArray()).build());
    }
    KeyIndex index = new KeyIndex();
    NameCache cache = new NameCache(null, k -> k);
    new TraceRequestReader(new ReaderLimits(8, 10_000))
        .read(
            Spans.request("svc", spans).toByteArray(),
            new TraceVisitor() {
              @Override
              public void span(SpanView span) {
                var a = span.attributes();
                index.index(a);
                for (Key k : Key.VALUES) {
                  assertThat(index.at(k)).as("%s", k).isEqualTo(a.find(k.utf8));
                }
                for (int i = 0; i < a.size(); i++) {
                  String name = cache.get(a.buffer(), a.keyOffset(i), a.keyLength(i));
                  assertThat(name).isEqualTo(a.key(i));
                }
              }
            });
  }

  /** A known key with a few bytes changed, added or removed, or arbitrary bytes. */
  private static String key(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      return data.consumeString(40);
    }
    byte[] k = Key.VALUES[data.consumeInt(0, Key.VALUES.length - 1)].utf8.clone();
    for (int edits = data.consumeInt(0, 2); edits > 0 && k.length > 0; edits--) {
      int at = data.consumeInt(0, k.length - 1);
      switch (data.consumeInt(0, 2)) {
        case 0 -> k[at] = data.consumeByte();
        case 1 -> {
          k = Arrays.copyOf(k, k.length + 1);
          k[k.length - 1] = data.consumeByte();
        }
        default -> k = Arrays.copyOf(k, k.length - 1);
      }
    }
    return new String(k, StandardCharsets.ISO_8859_1);
  }
}
