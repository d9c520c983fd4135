package hermes.collector.forward;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/** Reads {@code partial_success.rejected_spans} from an ExportTraceServiceResponse. */
final class PartialSuccess {
  private PartialSuccess() {}

  static long rejectedSpans(byte[] response) {
    if (response == null || response.length == 0) {
      return 0;
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(response);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == (1 << 3 | 2)) {
          int old = in.pushLimit(in.readRawVarint32());
          for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == (1 << 3)) {
              return in.readInt64();
            }
            in.skipField(t);
          }
          in.popLimit(old);
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      return 0; // an unreadable response to a delivered batch: nothing known to be rejected
    }
    return 0;
  }
}
