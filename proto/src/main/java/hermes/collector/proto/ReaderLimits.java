package hermes.collector.proto;

/**
 * Bounds the streaming readers enforce while decoding one request.
 *
 * @param maxAttributeDepth how deep array/kvlist attribute values may nest (1 = a flat array);
 *     deeper fails the request as malformed
 * @param maxAttributesPerMessage attributes indexed per resource, scope or span; the rest are
 *     counted in {@link Attributes#unindexed()}, never silently ignored
 */
public record ReaderLimits(int maxAttributeDepth, int maxAttributesPerMessage) {
  /** The defaults: depth 8 (protobuf-java allows 100), 1024 attributes (the OTel SDK keeps 128). */
  public static final ReaderLimits DEFAULT = new ReaderLimits(8, 1024);

  /** Validates the bounds. */
  public ReaderLimits {
    if (maxAttributeDepth < 1) {
      throw new IllegalArgumentException("maxAttributeDepth must be >= 1: " + maxAttributeDepth);
    }
    if (maxAttributesPerMessage < 1) {
      throw new IllegalArgumentException(
          "maxAttributesPerMessage must be >= 1: " + maxAttributesPerMessage);
    }
  }
}
