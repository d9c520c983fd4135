package hermes.collector.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.Test;

class GrpcSenderTest {
  private static Outcome plain(Status.Code code) {
    return GrpcSender.outcome(Status.fromCode(code).asRuntimeException());
  }

  private static Outcome withRetryInfo(Status.Code code, long seconds, int nanos) {
    RetryInfo info =
        RetryInfo.newBuilder()
            .setRetryDelay(
                com.google.protobuf.Duration.newBuilder().setSeconds(seconds).setNanos(nanos))
            .build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage("slow down")
            .addDetails(Any.pack(info))
            .build();
    return GrpcSender.outcome(StatusProto.toStatusRuntimeException(status));
  }

  @Test
  void theOtlpRetryableCodesAreRetried() {
    for (Status.Code code :
        new Status.Code[] {
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS
        }) {
      Outcome o = plain(code);
      assertThat(o.kind()).as(code.name()).isEqualTo(Outcome.Kind.RETRYABLE);
      assertThat(o.retryAfterMillis()).isEqualTo(-1);
    }
    assertThat(plain(Status.Code.UNAVAILABLE).reason()).isEqualTo("grpc_unavailable");
  }

  @Test
  void resourceExhaustedIsRetriedOnlyWhenTheBackendSaysWhen() {
    assertThat(plain(Status.Code.RESOURCE_EXHAUSTED).kind()).isEqualTo(Outcome.Kind.FATAL);
    Outcome o = withRetryInfo(Status.Code.RESOURCE_EXHAUSTED, 2, 500_000_000);
    assertThat(o.kind()).isEqualTo(Outcome.Kind.RETRYABLE);
    assertThat(o.retryAfterMillis()).isEqualTo(2_500);
    assertThat(withRetryInfo(Status.Code.UNAVAILABLE, 0, 40_000_000).retryAfterMillis())
        .isEqualTo(40);
  }

  @Test
  void otherCodesAreFinal() {
    for (Status.Code code :
        new Status.Code[] {
          Status.Code.INVALID_ARGUMENT,
          Status.Code.PERMISSION_DENIED,
          Status.Code.UNAUTHENTICATED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.INTERNAL
        }) {
      assertThat(plain(code).kind()).as(code.name()).isEqualTo(Outcome.Kind.FATAL);
    }
  }
}
