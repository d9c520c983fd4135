package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/**
 * The walk of an OTLP export request's envelope (the trace reader's; the metrics bridge parses with
 * the generated classes since session 5): the request's resource containers ({@code
 * ResourceSpans}), each one's {@code Resource} and schema URL, then its scope containers ({@code
 * ScopeSpans}), each one's {@code InstrumentationScope} and schema URL, then each item (a span),
 * which the signal's reader decodes. A container's resource or scope placed after its items on the
 * wire is still handed over first, as protobuf's field order rules require: each container is
 * walked twice (header fields first, then children), which costs one skip per field.
 *
 * <p>It also keeps where the reader is (the decoder, its offset in the request and the message
 * being read), so that a decoder error names the message and the byte: the item readers {@link
 * #enter} their own decoders and set {@link #where} for the messages they read.
 *
 * <p>Threading: single-threaded and reusable, one per reader; its views point into the request
 * being walked.
 */
final class EnvelopeWalker {
  /** The message names and tags of one signal's envelope (the field numbers are the same today). */
  record Layout(
      String request,
      int requestResources,
      String resourceContainer,
      int resource,
      int resourceScopes,
      int resourceSchemaUrl,
      String scopeContainer,
      int scope,
      int scopeItems,
      int scopeSchemaUrl) {}

  /** {@code ExportTraceServiceRequest}: {@code ResourceSpans}, {@code ScopeSpans}, spans. */
  static final Layout TRACES =
      new Layout(
          "ExportTraceServiceRequest",
          Tags.EXPORT_TRACE_RESOURCE_SPANS,
          "ResourceSpans",
          Tags.RESOURCE_SPANS_RESOURCE,
          Tags.RESOURCE_SPANS_SCOPE_SPANS,
          Tags.RESOURCE_SPANS_SCHEMA_URL,
          "ScopeSpans",
          Tags.SCOPE_SPANS_SCOPE,
          Tags.SCOPE_SPANS_SPANS,
          Tags.SCOPE_SPANS_SCHEMA_URL);

  /** What one signal's reader does at each level of the walk. */
  interface Signal {
    /** A resource container begins; its scopes and items follow. */
    void resource(ResourceView resource);

    /** A scope container begins; its items follow. */
    void scope(ScopeView scope);

    /**
     * Reads one item occupying {@code buf[off, off + len)}, which is also what {@code in} has left
     * before its pushed limit: the reader may read it from {@code in} (positions are {@code base +
     * in.getTotalBytesRead()}) or from {@code buf} with decoders of its own ({@link #enter}ed).
     *
     * @return what the item adds to the request's count (1 per span; a metric's points)
     */
    int item(byte[] buf, CodedInputStream in, int base, int off, int len)
        throws IOException, MalformedOtlpException;
  }

  final ResourceView resource;
  final ScopeView scope;
  private final Layout layout;

  /** The message being read, for error messages; item readers set it for theirs. */
  String where;

  private CodedInputStream current;
  private int currentBase;

  EnvelopeWalker(ReaderLimits limits, Layout layout) {
    this.resource = new ResourceView(limits);
    this.scope = new ScopeView(limits);
    this.layout = layout;
    this.where = layout.request();
  }

  /**
   * Walks one request occupying all of {@code request}.
   *
   * @return the sum of what {@link Signal#item} returned
   * @throws MalformedOtlpException when the bytes are not a valid request; the signal may have seen
   *     part of it
   */
  int walk(byte[] request, Signal signal) throws MalformedOtlpException {
    int count = 0;
    CodedInputStream in = enter(request, 0, request.length, layout.request());
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == layout.requestResources()) {
          int len = Wire.length(in, 0, tag >>> 3);
          count += walkResource(request, in.getTotalBytesRead(), len, signal);
          enter(in, 0, layout.request());
          in.skipRawBytes(len);
        } else {
          Wire.skip(in, tag, 0);
        }
      }
    } catch (IOException e) {
      throw Wire.malformed(e, where, (long) currentBase + current.getTotalBytesRead());
    }
    return count;
  }

  /** A decoder over {@code buf[off, off + len)}, made current for error positions. */
  CodedInputStream enter(byte[] buf, int off, int len, String name) {
    return enter(Wire.decoder(buf, off, len), off, name);
  }

  /** Makes {@code in}, whose byte 0 is {@code base} of the request, current again. */
  CodedInputStream enter(CodedInputStream in, int base, String name) {
    current = in;
    currentBase = base;
    where = name;
    return in;
  }

  private int walkResource(byte[] buf, int off, int len, Signal signal)
      throws IOException, MalformedOtlpException {
    String name = layout.resourceContainer();
    resource.reset(buf);
    CodedInputStream in = enter(buf, off, len, name);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == layout.resource()) {
        int l = Wire.length(in, off, tag >>> 3);
        int old = in.pushLimit(l);
        where = "Resource";
        Envelope.readResource(in, off, resource);
        in.popLimit(old);
        where = name;
      } else if (tag == layout.resourceSchemaUrl()) {
        int l = Wire.length(in, off, tag >>> 3);
        resource.schemaUrlOffset = off + in.getTotalBytesRead();
        resource.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    signal.resource(resource);
    int count = 0;
    in = enter(buf, off, len, name);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == layout.resourceScopes()) {
        int l = Wire.length(in, off, tag >>> 3);
        count += walkScope(buf, off + in.getTotalBytesRead(), l, signal);
        enter(in, off, name);
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return count;
  }

  private int walkScope(byte[] buf, int off, int len, Signal signal)
      throws IOException, MalformedOtlpException {
    String name = layout.scopeContainer();
    scope.reset(buf);
    CodedInputStream in = enter(buf, off, len, name);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == layout.scope()) {
        int l = Wire.length(in, off, tag >>> 3);
        int old = in.pushLimit(l);
        where = "InstrumentationScope";
        Envelope.readScope(in, off, scope);
        in.popLimit(old);
        where = name;
      } else if (tag == layout.scopeSchemaUrl()) {
        int l = Wire.length(in, off, tag >>> 3);
        scope.schemaUrlOffset = off + in.getTotalBytesRead();
        scope.schemaUrlLength = l;
        in.skipRawBytes(l);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    signal.scope(scope);
    int count = 0;
    in = enter(buf, off, len, name);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == layout.scopeItems()) {
        int l = Wire.length(in, off, tag >>> 3);
        int start = off + in.getTotalBytesRead();
        int old = in.pushLimit(l);
        count += signal.item(buf, in, off, start, l);
        enter(in, off, name);
        in.skipRawBytes(in.getBytesUntilLimit()); // what the item's reader left (all, or none)
        in.popLimit(old);
      } else {
        Wire.skip(in, tag, off);
      }
    }
    return count;
  }
}
