package io.c2d.testkit.assertj;

import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link ComputeJob} snapshot; get one from {@link
 * C2dAssertions#assertThat(ComputeJob)}. Not thread-safe.
 */
public final class JobAssert extends AbstractAssert<JobAssert, ComputeJob> {

  JobAssert(ComputeJob actual) {
    super(actual, JobAssert.class);
  }

  /** The job has {@code status}. */
  public JobAssert hasStatus(JobStatus status) {
    isNotNull();
    if (actual.status() != status) {
      failWithMessage(
          "Expected job [%s] to have status <%s> but was <%s>%s",
          actual.id(),
          status,
          actual.status(),
          actual.detail().map(d -> " (" + d + ")").orElse(""));
    }
    return this;
  }

  /** The job has ended. */
  public JobAssert isTerminal() {
    isNotNull();
    if (!actual.isTerminal()) {
      failWithMessage(
          "Expected job [%s] to have ended but it is <%s>", actual.id(), actual.status());
    }
    return this;
  }

  /** The job is owned by {@code owner}. */
  public JobAssert isOwnedBy(EthAddress owner) {
    isNotNull();
    if (!actual.owner().equals(owner)) {
      failWithMessage(
          "Expected job [%s] to be owned by <%s> but was <%s>", actual.id(), owner, actual.owner());
    }
    return this;
  }

  /** The algorithm exited with {@code exitCode}. */
  public JobAssert hasExitCode(int exitCode) {
    isNotNull();
    if (actual.exitCode().isEmpty() || actual.exitCode().get() != exitCode) {
      failWithMessage(
          "Expected job [%s] to have exit code <%s> but was <%s>",
          actual.id(), exitCode, actual.exitCode().map(String::valueOf).orElse("none"));
    }
    return this;
  }

  /** The job's detail mentions {@code text}. */
  public JobAssert hasDetailContaining(String text) {
    isNotNull();
    if (actual.detail().isEmpty() || !actual.detail().get().contains(text)) {
      failWithMessage(
          "Expected job [%s] to have a detail containing <%s> but was <%s>",
          actual.id(), text, actual.detail().orElse("none"));
    }
    return this;
  }

  /** The job lists a result called {@code name}. */
  public JobAssert hasResultNamed(String name) {
    isNotNull();
    for (JobResult result : actual.results()) {
      if (result.name().equals(name)) {
        return this;
      }
    }
    failWithMessage(
        "Expected job [%s] to have a result named <%s> but had %s",
        actual.id(), name, actual.results());
    return this;
  }

  /** The job lists exactly {@code count} results of {@code kind}. */
  public JobAssert hasResults(ResultKind kind, int count) {
    isNotNull();
    long found = actual.results().stream().filter(r -> r.kind() == kind).count();
    if (found != count) {
      failWithMessage(
          "Expected job [%s] to have %s results of kind <%s> but had %s: %s",
          actual.id(), count, kind, found, actual.results());
    }
    return this;
  }
}
