package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;

import io.c2d.C2dException;
import io.c2d.ErrorCode;
import io.c2d.model.Resources;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Environments} group: what
 * environments say they enforce is enforced. Run only through that nested class, which hands in the
 * kit's fixture.
 */
abstract class EnvironmentsPromises extends PromiseGroup {
  EnvironmentsPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("the backend reports the environment it enforces, exactly as configured")
  void reportsItsEnvironment() {
    assertThat(backend().environments()).as("environments").isNotEmpty().contains(environment());
  }

  @Test
  @DisplayName(
      "a job asking for more resources than the environment gives is refused before it starts")
  void tooManyResourcesAreRefused() {
    try (KitEngine engine = engine()) {
      Resources max = environment().maxPerJob();
      Resources more =
          new Resources(max.milliCpus() + 1000, max.memoryBytes(), max.diskBytes(), max.gpus());

      C2dException refused =
          failureOf(
              engine.engine.start(
                  engine.request(TestAlgorithms.ECHO_INPUTS, r -> r.resources(more))),
              timeout());

      assertThat(refused).hasCode(ErrorCode.RESOURCES_EXCEEDED);
      assertThat(engine.backend.submitted()).as("jobs the backend was asked to start").isEmpty();
    }
  }

  @Test
  @DisplayName("a job asking to run longer than the environment allows is refused before it starts")
  void tooLongIsRefused() {
    try (KitEngine engine = engine()) {
      Duration longer = environment().maxDuration().plusMinutes(1);

      C2dException refused =
          failureOf(
              engine.engine.start(
                  engine.request(TestAlgorithms.ECHO_INPUTS, r -> r.maxDuration(longer))),
              timeout());

      assertThat(refused).hasCode(ErrorCode.RESOURCES_EXCEEDED);
      assertThat(engine.backend.submitted()).as("jobs the backend was asked to start").isEmpty();
    }
  }
}
