package io.c2d.testkit.assertj;

import io.c2d.C2dException;
import io.c2d.model.ComputeJob;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.Assertions;

/**
 * The entry point of c2d's AssertJ assertions; extends {@link Assertions}, so one static import
 * gives both.
 *
 * <pre>{@code
 * assertThat(job).hasStatus(JobStatus.COMPLETED).hasResultNamed("result.csv");
 * assertThat(failureOf(engine.start(replayed))).hasCode(ErrorCode.NONCE_REPLAYED);
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public class C2dAssertions extends Assertions {

  /** Subclassing is allowed so a project can add its own entry points; instances are useless. */
  protected C2dAssertions() {}

  /** Assertions on a job snapshot. */
  public static JobAssert assertThat(ComputeJob actual) {
    return new JobAssert(actual);
  }

  /** Assertions on a c2d failure. */
  public static C2dExceptionAssert assertThat(C2dException actual) {
    return new C2dExceptionAssert(actual);
  }

  /**
   * Waits up to ten seconds for {@code stage} to fail and returns the {@link C2dException} it
   * failed with.
   *
   * @throws AssertionError if it completes normally, does not complete in time, or fails with
   *     something that is not a {@link C2dException}
   */
  public static C2dException failureOf(CompletionStage<?> stage) {
    return failureOf(stage, Duration.ofSeconds(10));
  }

  /** Same as {@link #failureOf(CompletionStage)} with a chosen timeout. */
  public static C2dException failureOf(CompletionStage<?> stage, Duration timeout) {
    Object value;
    try {
      value = stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      C2dException failure = C2dException.unwrap(e);
      if (failure == null) {
        throw new AssertionError(
            "Expected a C2dException but the stage failed with " + e.getCause(), e);
      }
      return failure;
    } catch (TimeoutException e) {
      throw new AssertionError(
          "Expected the stage to fail within " + timeout + " but it is still running", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    throw new AssertionError("Expected the stage to fail but it completed with " + value);
  }
}
