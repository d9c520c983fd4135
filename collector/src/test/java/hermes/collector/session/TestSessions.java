package hermes.collector.session;

/** Session records for listener tests outside this package. */
public final class TestSessions {
  private TestSessions() {}

  /** A live session with no calls. */
  public static SessionRecord live(String key, String service) {
    return record(key, service, null);
  }

  /** A completed session with no calls. */
  public static SessionRecord finished(String key, String service) {
    return record(key, service, "completed");
  }

  private static SessionRecord record(String key, String service, String outcome) {
    return new SessionRecord(
        key,
        service,
        null,
        1,
        2,
        outcome,
        0,
        new SessionLog().view(),
        new Totals(),
        0,
        0,
        0,
        0,
        new SessionBook.Provisional[0],
        java.util.List.of());
  }
}
