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
      if (tag == Wire.tag(1, Wire.LEN)) {
        readAttribute(in, base, resource.attributes());
      } else if (tag == Wire.tag(2, Wire.VARINT)) {
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
        case 1 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 1);
            scope.nameOffset = base + in.getTotalBytesRead();
            scope.nameLength = l;
            in.skipRawBytes(l);
            break;
          }
        case 2 << 3 | Wire.LEN:
          {
            int l = Wire.length(in, base, 2);
            scope.versionOffset = base + in.getTotalBytesRead();
            scope.versionLength = l;
            in.skipRawBytes(l);
            break;
          }
        case 3 << 3 | Wire.LEN:
          readAttribute(in, base, scope.attributes());
          break;
        case 4 << 3 | Wire.VARINT:
          scope.droppedAttributesCount = in.readUInt32();
          break;
        default:
          Wire.skip(in, tag, base);
      }
    }
  }

  /** Reads one length-delimited {@code KeyValue} into {@code into}. */
  static void readAttribute(CodedInputStream in, int base, Attributes into)
      throws IOException, MalformedOtlpException {
    int l = Wire.length(in, base, 1);
    int old = in.pushLimit(l);
    into.add(in, base);
    in.popLimit(old);
  }
}
