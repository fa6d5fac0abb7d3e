package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobStatus;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.Assertions;

/** AssertJ with the two checks the engine tests repeat: on a job snapshot and on a failure. */
final class EngineAssertions extends Assertions {
  private EngineAssertions() {}

  static JobCheck assertThat(ComputeJob actual) {
    return new JobCheck(actual);
  }

  static FailureCheck assertThat(C2dException actual) {
    return new FailureCheck(actual);
  }

  /** Checks on one job snapshot. */
  static final class JobCheck extends AbstractAssert<JobCheck, ComputeJob> {
    JobCheck(ComputeJob actual) {
      super(actual, JobCheck.class);
    }

    JobCheck hasStatus(JobStatus status) {
      isNotNull();
      if (actual.status() != status) {
        failWithMessage("Expected job [%s] in <%s> but was <%s>", actual.id(), status, actual);
      }
      return this;
    }

    JobCheck isOwnedBy(EthAddress owner) {
      Assertions.assertThat(actual.owner()).as("owner of %s", actual.id()).isEqualTo(owner);
      return this;
    }

    JobCheck hasResultNamed(String name) {
      Assertions.assertThat(actual.results())
          .as("results of %s", actual.id())
          .anyMatch(result -> result.name().equals(name));
      return this;
    }

    JobCheck hasExitCode(int exitCode) {
      Assertions.assertThat(actual.exitCode())
          .as("exit code of %s", actual.id())
          .contains(exitCode);
      return this;
    }

    JobCheck hasDetailContaining(String text) {
      Assertions.assertThat(actual.detail())
          .as("detail of %s", actual.id())
          .hasValueSatisfying(detail -> Assertions.assertThat(detail).contains(text));
      return this;
    }
  }

  /** Checks on a c2d failure. */
  static final class FailureCheck extends AbstractThrowableAssert<FailureCheck, C2dException> {
    FailureCheck(C2dException actual) {
      super(actual, FailureCheck.class);
    }

    FailureCheck hasCode(ErrorCode code) {
      isNotNull();
      if (actual.code() != code) {
        failWithMessage("Expected code <%s> but was <%s>: %s", code, actual.code(), actual);
      }
      return this;
    }

    FailureCheck hasField(String field) {
      isInstanceOf(InvalidRequestException.class);
      Assertions.assertThat(((InvalidRequestException) actual).field()).isEqualTo(field);
      return this;
    }
  }
}
