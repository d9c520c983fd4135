package hermes.collector.semconv;

import hermes.collector.proto.Attributes;

/**
 * A convention's kind values and the roles they mean, matched against an attribute ignoring ASCII
 * case without decoding it. Immutable.
 */
final class RoleTable {
  private final byte[][] values;
  private final Role[] roles;

  /** Pairs of a lower-case value and its role: {@code "llm", Role.LLM, "tool", Role.TOOL, ...}. */
  RoleTable(Object... pairs) {
    values = new byte[pairs.length / 2][];
    roles = new Role[pairs.length / 2];
    for (int i = 0; i < values.length; i++) {
      values[i] = Values.ascii((String) pairs[2 * i]);
      roles[i] = (Role) pairs[2 * i + 1];
    }
  }

  /** The role attribute {@code i} names, or null when it is none of the table's values. */
  Role lookup(Attributes a, int i) {
    for (int k = 0; k < values.length; k++) {
      if (Values.is(a, i, values[k])) {
        return roles[k];
      }
    }
    return null;
  }
}
