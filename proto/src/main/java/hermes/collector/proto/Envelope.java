package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/**
 * The parts every OTLP signal shares: {@code Resource}, {@code InstrumentationScope} and attribute
 * lists, read into their views. Used by the trace and metrics readers alike.
 */
final class Envelope {
  private Envelope() {}

  /** Reads a {@code Resource} payload (limit pushed) into {@code resource}. */
  static void readResource(CodedInputStream in, int base, ResourceView resource)
      throws IOException, MalformedOtlpException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == Tags.RESOURCE_ATTRIBUTES) {
        readAttribute(in, base, resource.attributes());
      } else if (tag == Tags.RESOURCE_DROPPED_ATTRIBUTES_COUNT) {
        resource.droppedAttributesCount = in.readUInt32();
      } else {
        Wire.skip(in, tag, base);
      }
    }
  }

  /** Reads an {@code InstrumentationScope} payload (limit pushed) into {@code scope}. */
  static void readScope(CodedInputStream in, int base, ScopeView scope)
      throws IOException, MalformedOtlpException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case Tags.SCOPE_NAME:
          {
            int l = Wire.length(in, base, tag >>> 3);
            scope.nameOffset = base + in.getTotalBytesRead();
            scope.nameLength = l;
            in.skipRawBytes(l);
            break;
          }
        case Tags.SCOPE_VERSION:
          {
            int l = Wire.length(in, base, tag >>> 3);
            scope.versionOffset = base + in.getTotalBytesRead();
            scope.versionLength = l;
            in.skipRawBytes(l);
            break;
          }
        case Tags.SCOPE_ATTRIBUTES:
          readAttribute(in, base, scope.attributes());
          break;
        case Tags.SCOPE_DROPPED_ATTRIBUTES_COUNT:
          scope.droppedAttributesCount = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }

  /**
   * Reads one length-delimited {@code KeyValue} into {@code into}: from the bytes directly when
   * {@link Attributes#addFast} takes it (nearly always), else with the decoder.
   */
  static void readAttribute(CodedInputStream in, int base, Attributes into)
      throws IOException, MalformedOtlpException {
    int l = Wire.length(in, base, 1); // (the field is the container's; error messages said 1)
    if (into.addFast(base + in.getTotalBytesRead(), l)) {
      in.skipRawBytes(l);
      return;
    }
    int old = in.pushLimit(l); // the decoder's path: what the fast one was not sure of
    into.add(in, base);
    in.popLimit(old);
  }
}
