package hermes.collector.session;

/**
 * One runaway guard tripping: the call that crossed the line, in a live session. Immutable.
 *
 * @param guard the guard
 * @param sessionKey the session's key
 * @param service the session's {@code service.name}, or null
 * @param value the value that crossed the limit (a count, tokens, USD or seconds)
 * @param limit the configured limit
 * @param traceId the trace id (32 lowercase hex digits) of the call that tripped it
 * @param atNanos when it tripped, ns since the epoch (the collector's clock)
 */
public record GuardTrip(
    Guard guard,
    String sessionKey,
    String service,
    double value,
    double limit,
    String traceId,
    long atNanos) {}
