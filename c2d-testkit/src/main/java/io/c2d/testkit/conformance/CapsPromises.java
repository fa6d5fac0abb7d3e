package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit.Promise;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Caps} group: outputs and
 * logs over the caps are cut, and nothing outside the result area is served. Run only through that
 * nested class, which hands in the kit's fixture.
 */
abstract class CapsPromises extends PromiseGroup {
  private static final long MAX_CAP_CHECKED = 8L << 20;

  CapsPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("outputs over the environment's cap are cut and the job ends COMPLETED_TRUNCATED")
  @Keeps(Promise.CAPS)
  void outputsOverTheCapAreCut() {
    long cap = checkedCap(environment().maxOutputBytes(), "maxOutputBytes");
    KitJob job =
        submit(
            TestAlgorithms.WRITE_BIG_OUTPUT,
            spec -> {},
            Map.of("OUTPUT_BYTES", Long.toString(cap + 4096), "LOG_BYTES", "0"));
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(end.detail()).as("the job says what was cut").isNotBlank();
    long total = 0;
    for (byte[] bytes : readAll(job.id(), end, ResultKind.OUTPUT).values()) {
      total += bytes.length;
    }
    assertThat(total).as("bytes of outputs served").isLessThanOrEqualTo(cap);
  }

  @Test
  @DisplayName("a log over the environment's cap is cut and the job ends COMPLETED_TRUNCATED")
  @Keeps(Promise.CAPS)
  void logOverTheCapIsCut() {
    long cap = checkedCap(environment().maxLogBytes(), "maxLogBytes");
    KitJob job =
        submit(
            TestAlgorithms.WRITE_BIG_OUTPUT,
            spec -> {},
            Map.of("OUTPUT_BYTES", "10", "LOG_BYTES", Long.toString(cap + 4096)));
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    JobResult log = only(end, ResultKind.ALGORITHM_LOG);
    assertThat((long) read(job.id(), log).length)
        .as("bytes of algorithm.log")
        .isLessThanOrEqualTo(cap);
  }

  @Test
  @DisplayName("a symbolic link in /data/outputs that points outside it is never followed")
  @Keeps(Promise.RESULT_AREA)
  void symlinksOutOfTheResultAreaAreNotFollowed() {
    KitJob job = submit(TestAlgorithms.SYMLINK_ESCAPE, spec -> {});
    BackendJobState end = job.awaitTerminal();

    Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
    assertThat(outputs.keySet()).as("outputs served").containsExactly("ok.txt");
    assertThat(outputs.get("ok.txt")).isEqualTo(utf8("ok"));
    String secret = job.secret;
    for (JobResult result : end.results()) {
      assertThat(new String(read(job.id(), result), StandardCharsets.UTF_8))
          .as("%s %s", result.kind(), result.name())
          .doesNotContain(secret)
          .doesNotContain("root:x:0:0");
    }
  }

  private static long checkedCap(long cap, String what) {
    if (cap > MAX_CAP_CHECKED) {
      throw new AssertionError(
          "environment() has "
              + what
              + " = "
              + cap
              + " bytes; give the conformance environment a cap of at most "
              + MAX_CAP_CHECKED
              + " bytes (64 KiB is plenty) so the kit can go over it quickly");
    }
    return cap;
  }
}
