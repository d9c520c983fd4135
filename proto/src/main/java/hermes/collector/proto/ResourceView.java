package hermes.collector.proto;

import java.nio.charset.StandardCharsets;

/**
 * The {@code Resource} (and schema URL) of the {@code ResourceSpans} being visited. A reusable
 * view: valid only until the visitor callback returns; owned by the reader's thread.
 */
public final class ResourceView {
  private final Attributes attributes;
  private byte[] buf = new byte[0];
  int droppedAttributesCount;
  int schemaUrlOffset;
  int schemaUrlLength;

  ResourceView(ReaderLimits limits) {
    attributes = new Attributes(limits.maxAttributesPerMessage(), limits.maxAttributeDepth());
  }

  void reset(byte[] buffer) {
    buf = buffer;
    attributes.reset(buffer);
    droppedAttributesCount = 0;
    schemaUrlOffset = 0;
    schemaUrlLength = 0;
  }

  /** The resource attributes ({@code service.name} and friends). */
  public Attributes attributes() {
    return attributes;
  }

  /** The resource's {@code dropped_attributes_count}. */
  public int droppedAttributesCount() {
    return droppedAttributesCount;
  }

  /** The {@code ResourceSpans.schema_url} (allocates). */
  public String schemaUrl() {
    return new String(buf, schemaUrlOffset, schemaUrlLength, StandardCharsets.UTF_8);
  }
}
