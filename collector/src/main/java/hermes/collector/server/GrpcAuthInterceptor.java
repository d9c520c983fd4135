package hermes.collector.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Bearer authentication of OTLP/gRPC calls ({@code otlp.auth.bearer_token_file}): a call without a
 * known token in its {@code authorization} metadata is closed with {@code UNAUTHENTICATED} before
 * its message is handled (counted by the server's status tracer in {@code
 * hermes_collector_requests_total{code="UNAUTHENTICATED"}}).
 *
 * <p>Threading: stateless; runs on the transport threads.
 */
final class GrpcAuthInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Status REFUSED =
      Status.UNAUTHENTICATED.withDescription(
          "missing or unknown bearer token: send authorization: Bearer <token>"
              + " (otlp.auth.bearer_token_file)");

  private final BearerTokens tokens;

  GrpcAuthInterceptor(BearerTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (tokens.check(headers.get(AUTHORIZATION)) == null) {
      call.close(REFUSED, new Metadata());
      return new ServerCall.Listener<Q>() {};
    }
    return next.startCall(call, headers);
  }
}
