package hermes.collector.proto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Checks that bytes are a well-formed protobuf message of a given type, descending into every
 * message-typed field the schema knows, and counts the messages of chosen types on the way. Used
 * where the collector needs validity and counts but not values (logs, metrics before the bridge,
 * span events and links).
 *
 * <p>The schema comes from the descriptors of the generated {@code opentelemetry-proto} classes
 * (static metadata; no message objects are built). Threading: immutable after construction, safe to
 * share.
 */
final class MessageScanner {
  private final Descriptor root;
  private final Set<Descriptor> counted;
  private final Map<Descriptor, Descriptor[]> children = new HashMap<>();

  MessageScanner(Descriptor root, Set<Descriptor> counted) {
    this.root = root;
    this.counted = counted == null ? Set.of() : Set.copyOf(counted);
    index(root);
  }

  /** Message nesting allowed when attribute values may nest {@code attributeDepth} deep. */
  static int nestingFor(int attributeDepth) {
    // The deepest OTLP path to an attribute (request, resource, scope, metric, histogram, point,
    // exemplar, key-value) is under 12 messages; each attribute level adds two (value, list).
    return 12 + 2 * attributeDepth;
  }

  private void index(Descriptor d) {
    if (children.containsKey(d)) {
      return;
    }
    int max = 0;
    for (FieldDescriptor f : d.getFields()) {
      max = Math.max(max, f.getNumber());
    }
    Descriptor[] byNumber = new Descriptor[max + 1];
    children.put(d, byNumber);
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        byNumber[f.getNumber()] = f.getMessageType();
        index(f.getMessageType());
      }
    }
  }

  /**
   * Scans {@code buf[off, off+len)} as the root type.
   *
   * @return how many messages of the counted types it contains
   */
  int scan(byte[] buf, int off, int len, int maxNesting) throws MalformedOtlpException {
    try {
      return scan(root, buf, off, len, 1, maxNesting, null);
    } catch (OverBoundException e) {
      throw new AssertionError("no bounds without a tally", e);
    }
  }

  /**
   * As {@link #scan(byte[], int, int, int)}, also counting into {@code tally} and stopping as soon
   * as one of its counts passes its bound.
   */
  int scan(byte[] buf, int off, int len, int maxNesting, Tally tally)
      throws MalformedOtlpException, OverBoundException {
    return scan(root, buf, off, len, 1, maxNesting, tally);
  }

  /**
   * * The running counts of one bounded scan: the counted messages, the messages of a second type
   * (attributes), and all messages below the root. Not thread-safe: one per scan.
   */
  static final class Tally {
    private final Descriptor attribute;
    private final int maxItems;
    private final int maxAttributes;
    private final int maxMessages;
    int items;
    int attributes;
    int messages;

    Tally(Descriptor attribute, int maxItems, int maxAttributes, int maxMessages) {
      this.attribute = attribute;
      this.maxItems = maxItems;
      this.maxAttributes = maxAttributes;
      this.maxMessages = maxMessages;
    }

    void item() throws OverBoundException {
      if (++items > maxItems) {
        throw new OverBoundException(OverBoundException.Bound.ITEMS, maxItems);
      }
    }

    void child(Descriptor d) throws OverBoundException {
      if (++messages > maxMessages) {
        throw new OverBoundException(OverBoundException.Bound.MESSAGES, maxMessages);
      }
      if (d == attribute && ++attributes > maxAttributes) {
        throw new OverBoundException(OverBoundException.Bound.ATTRIBUTES, maxAttributes);
      }
    }
  }

  private int scan(
      Descriptor type, byte[] buf, int off, int len, int depth, int maxNesting, Tally tally)
      throws MalformedOtlpException, OverBoundException {
    if (depth > maxNesting) {
      throw new MalformedOtlpException(
          "Malformed: messages nested deeper than " + maxNesting + " at byte " + off);
    }
    Descriptor[] byNumber = children.get(type);
    CodedInputStream in = Wire.decoder(buf, off, len);
    int count = 0;
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = tag >>> 3;
        Descriptor child = field < byNumber.length ? byNumber[field] : null;
        if (child != null && (tag & 7) == Wire.LEN) {
          int l = Wire.length(in, off, field);
          if (counted.contains(child)) {
            count++;
            if (tally != null) {
              tally.item();
            }
          }
          if (tally != null) {
            tally.child(child);
          }
          count += scan(child, buf, off + in.getTotalBytesRead(), l, depth + 1, maxNesting, tally);
          in.skipRawBytes(l);
        } else {
          Wire.skip(in, tag, off);
        }
      }
    } catch (IOException e) {
      throw Wire.malformed(e, type.getName(), (long) off + in.getTotalBytesRead());
    }
    return count;
  }
}
