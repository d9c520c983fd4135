package hermes.collector.proto;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Random;

/** Trace requests built with the generated classes: one covering every field, and random ones. */
final class Requests {
  private Requests() {}

  static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  static ByteString bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return ByteString.copyFrom(out);
  }

  static ByteString id(long hi, long lo) {
    return ByteString.copyFrom(java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
  }

  static ByteString id(long v) {
    return ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(v).array());
  }

  /** A request that sets every field of every message the reader exposes. */
  static ExportTraceServiceRequest everyField() {
    AnyValue nested =
        AnyValue.newBuilder()
            .setArrayValue(
                ArrayValue.newBuilder()
                    .addValues(str("a"))
                    .addValues(AnyValue.newBuilder().setIntValue(-7))
                    .addValues(
                        AnyValue.newBuilder()
                            .setKvlistValue(
                                KeyValueList.newBuilder()
                                    .addValues(
                                        kv(
                                            "deep",
                                            AnyValue.newBuilder().setBoolValue(true).build()))
                                    .addValues(kv("empty", AnyValue.getDefaultInstance())))))
            .build();
    Span span =
        Span.newBuilder()
            .setTraceId(id(0x0123456789abcdefL, 0xfedcba9876543210L))
            .setSpanId(id(0x1122334455667788L))
            .setParentSpanId(id(0x99aabbccddeeff00L))
            .setTraceState("vendor=1")
            .setFlags(0x301)
            .setName("chat claude-sonnet-4 \u00e9\u4e2d")
            .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(1_700_000_000_000_000_000L)
            .setEndTimeUnixNano(1_700_000_001_500_000_000L)
            .addAttributes(kv("gen_ai.request.model", str("claude-sonnet-4")))
            .addAttributes(kv("flag", AnyValue.newBuilder().setBoolValue(true).build()))
            .addAttributes(
                kv("gen_ai.usage.input_tokens", AnyValue.newBuilder().setIntValue(1234).build()))
            .addAttributes(kv("neg", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()))
            .addAttributes(kv("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()))
            .addAttributes(
                kv("blob", AnyValue.newBuilder().setBytesValue(bytes(0, 1, 255)).build()))
            .addAttributes(kv("nested", nested))
            .addAttributes(kv("empty", AnyValue.getDefaultInstance()))
            .addAttributes(kv("", str("")))
            .setDroppedAttributesCount(3)
            .addEvents(
                Span.Event.newBuilder()
                    .setName("exception")
                    .setTimeUnixNano(5)
                    .addAttributes(kv("exception.type", str("TimeoutError"))))
            .addEvents(Span.Event.newBuilder().setName("e2"))
            .setDroppedEventsCount(4)
            .addLinks(
                Span.Link.newBuilder()
                    .setTraceId(id(1, 2))
                    .setSpanId(id(3))
                    .setTraceState("x=y")
                    .setFlags(1)
                    .addAttributes(kv("l", str("v"))))
            .setDroppedLinksCount(5)
            .setStatus(
                Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
            .build();
    Span root =
        Span.newBuilder()
            .setTraceId(id(0x0123456789abcdefL, 0xfedcba9876543210L))
            .setSpanId(id(0x99aabbccddeeff00L))
            .setName("hermes.session")
            .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
            .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(kv("service.name", str("hermes-agent")))
                        .setDroppedAttributesCount(1))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .setScope(
                            InstrumentationScope.newBuilder()
                                .setName("hermes-plugin-otel-tracing")
                                .setVersion("0.3.0")
                                .addAttributes(kv("scope.attr", str("x")))
                                .setDroppedAttributesCount(2))
                        .setSchemaUrl("scope-schema")
                        .addSpans(span)
                        .addSpans(root))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(root)))
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.getDefaultInstance()))
        .build();
  }

  /** A random request; the same seed gives the same request. */
  static ExportTraceServiceRequest random(Random r) {
    ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
    for (int i = r.nextInt(3) + 1; i > 0; i--) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder();
      if (r.nextBoolean()) {
        Resource.Builder res = Resource.newBuilder();
        addAttributes(r, res::addAttributes);
        res.setDroppedAttributesCount(r.nextInt(3));
        rs.setResource(res);
      }
      if (r.nextInt(4) == 0) {
        rs.setSchemaUrl(text(r));
      }
      for (int j = r.nextInt(3); j > 0; j--) {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder();
        if (r.nextBoolean()) {
          InstrumentationScope.Builder scope =
              InstrumentationScope.newBuilder().setName(text(r)).setVersion(text(r));
          addAttributes(r, scope::addAttributes);
          ss.setScope(scope);
        }
        for (int k = r.nextInt(6); k > 0; k--) {
          ss.addSpans(randomSpan(r));
        }
        rs.addScopeSpans(ss);
      }
      req.addResourceSpans(rs);
    }
    return req.build();
  }

  private static Span randomSpan(Random r) {
    Span.Builder s =
        Span.newBuilder()
            .setTraceId(id(r.nextLong(), r.nextLong()))
            .setSpanId(id(r.nextLong()))
            .setName(text(r))
            .setKindValue(r.nextInt(6))
            .setStartTimeUnixNano(r.nextLong())
            .setEndTimeUnixNano(r.nextLong());
    if (r.nextBoolean()) {
      s.setParentSpanId(id(r.nextLong()));
    }
    if (r.nextInt(4) == 0) {
      s.setTraceState(text(r)).setFlags(r.nextInt());
    }
    addAttributes(r, s::addAttributes);
    for (int i = r.nextInt(3); i > 0; i--) {
      Span.Event.Builder e = Span.Event.newBuilder().setName(text(r)).setTimeUnixNano(r.nextLong());
      addAttributes(r, e::addAttributes);
      s.addEvents(e);
    }
    for (int i = r.nextInt(2); i > 0; i--) {
      s.addLinks(
          Span.Link.newBuilder().setTraceId(id(r.nextLong(), 1)).setSpanId(id(r.nextLong())));
    }
    if (r.nextBoolean()) {
      s.setStatus(Status.newBuilder().setCodeValue(r.nextInt(3)).setMessage(text(r)));
    }
    s.setDroppedAttributesCount(r.nextInt(2))
        .setDroppedEventsCount(r.nextInt(2))
        .setDroppedLinksCount(r.nextInt(2));
    return s.build();
  }

  private static void addAttributes(Random r, java.util.function.Consumer<KeyValue> add) {
    for (int i = r.nextInt(8); i > 0; i--) {
      add.accept(kv(text(r), value(r, 0)));
    }
  }

  static AnyValue value(Random r, int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (r.nextInt(depth < 3 ? 8 : 6)) {
      case 0:
        return v.build();
      case 1:
        return v.setBoolValue(r.nextBoolean()).build();
      case 2:
        return v.setIntValue(r.nextLong() >> r.nextInt(64)).build();
      case 3:
        return v.setDoubleValue(r.nextBoolean() ? r.nextDouble() * 1e6 : r.nextGaussian()).build();
      case 4:
        {
          byte[] b = new byte[r.nextInt(20)];
          r.nextBytes(b);
          return v.setBytesValue(ByteString.copyFrom(b)).build();
        }
      case 5:
        return v.setStringValue(text(r)).build();
      case 6:
        {
          ArrayValue.Builder a = ArrayValue.newBuilder();
          for (int i = r.nextInt(4); i > 0; i--) {
            a.addValues(value(r, depth + 1));
          }
          return v.setArrayValue(a).build();
        }
      default:
        {
          KeyValueList.Builder l = KeyValueList.newBuilder();
          for (int i = r.nextInt(4); i > 0; i--) {
            l.addValues(kv(text(r), value(r, depth + 1)));
          }
          return v.setKvlistValue(l).build();
        }
    }
  }

  private static final String ALPHABET = "abcxyz._- 0123456789\u00e9\u4e2d\ud83d\ude00\"\\\n";

  static String text(Random r) {
    int n = r.nextInt(r.nextInt(10) == 0 ? 200 : 16);
    StringBuilder sb = new StringBuilder(n);
    while (sb.length() < n) {
      int at = r.nextInt(ALPHABET.length());
      char c = ALPHABET.charAt(at);
      if (Character.isHighSurrogate(c)) {
        sb.append(c).append(ALPHABET.charAt(at + 1));
      } else if (!Character.isLowSurrogate(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
