package hermes.collector.proto;

import java.nio.charset.StandardCharsets;

/**
 * The {@code InstrumentationScope} (and schema URL) of the {@code ScopeSpans} being visited. A
 * reusable view: valid only until the visitor callback returns; owned by the reader's thread.
 */
public final class ScopeView {
  private final Attributes attributes;
  private byte[] buf = new byte[0];
  int nameOffset;
  int nameLength;
  int versionOffset;
  int versionLength;
  int droppedAttributesCount;
  int schemaUrlOffset;
  int schemaUrlLength;

  ScopeView(ReaderLimits limits) {
    attributes = new Attributes(limits.maxAttributesPerMessage(), limits.maxAttributeDepth());
  }

  void reset(byte[] buffer) {
    buf = buffer;
    attributes.reset(buffer);
    nameOffset = nameLength = versionOffset = versionLength = 0;
    droppedAttributesCount = schemaUrlOffset = schemaUrlLength = 0;
  }

  /** The scope name (allocates). */
  public String name() {
    return new String(buf, nameOffset, nameLength, StandardCharsets.UTF_8);
  }

  /** The scope version (allocates). */
  public String version() {
    return new String(buf, versionOffset, versionLength, StandardCharsets.UTF_8);
  }

  /** The scope attributes. */
  public Attributes attributes() {
    return attributes;
  }

  /** The scope's {@code dropped_attributes_count}. */
  public int droppedAttributesCount() {
    return droppedAttributesCount;
  }

  /** The {@code ScopeSpans.schema_url} (allocates). */
  public String schemaUrl() {
    return new String(buf, schemaUrlOffset, schemaUrlLength, StandardCharsets.UTF_8);
  }
}
