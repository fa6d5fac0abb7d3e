package io.c2d.backend.local;

import static io.c2d.backend.local.EmbeddedJobs.OWNER;
import static io.c2d.backend.local.EmbeddedJobs.WAIT;
import static io.c2d.backend.local.EmbeddedJobs.dataset;
import static io.c2d.backend.local.EmbeddedJobs.did;
import static io.c2d.backend.local.EmbeddedJobs.file;
import static io.c2d.backend.local.EmbeddedJobs.join;
import static io.c2d.backend.local.EmbeddedJobs.raw;
import static io.c2d.backend.local.EmbeddedJobs.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where bubblewrap is missing or broken the embedded backend runs plain processes (and says, in
 * each job's configuration log, which guarantees are missing), or refuses to start when the sandbox
 * is required.
 */
final class SandboxFallbackTest {
  @TempDir Path temp;

  private final RecordingListener listener = new RecordingListener();

  private BackendJobState run(EmbeddedComputeBackend backend, String name) throws Exception {
    Path csv = file(Files.createDirectories(temp.resolve("publisher")), "in.csv", "a\nb\n");
    String input = did(1).id() + "/0";
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, name), OWNER)
            .requestId(name)
            .datasets(List.of(dataset(1, csv.toUri())))
            .algorithm(
                raw(
                    "wc -l < \"$INPUTS/"
                        + input
                        + "\" > \"$OUTPUTS/lines\"\ncat /data/inputs/"
                        + input
                        + " > \"$OUTPUTS/fixed\" 2>&1; echo \"fixed path: $?\" >> \"$OUTPUTS/lines\"\n"))
            .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
            .build();
    join(backend.submit(spec, listener));
    return listener.awaitTerminal(spec.jobId(), WAIT);
  }

  @Test
  void aMissingBwrapFallsBackToPlainProcessesAndTheLogNamesWhatIsMissing() throws Exception {
    Path missing = temp.resolve("no-such-dir/bwrap");
    try (EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .bubblewrap(missing)
            .build()) {
      assertThat(backend.sandboxed()).isFalse();
      assertThat(backend.toString()).contains("sandboxed=false");

      BackendJobState done = run(backend, "fallback");

      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      // the variables still lead to the inputs; the fixed /data paths do not exist
      assertThat(read(backend, done, "lines")).startsWith("2\n").doesNotContain("fixed path: 0");
      assertThat(read(backend, done, "configuration.log"))
          .contains(
              "this backend is NOT a sandbox here: bwrap " + missing + " does not exist",
              "missing guarantees: no /data paths",
              "no network isolation",
              "no read-only root",
              "no private /tmp",
              "no PID isolation",
              "capabilities not dropped",
              "no process, memory or file-size limits")
          .doesNotContain("sandbox: bubblewrap");
    }
  }

  @Test
  void aBwrapThatFailsItsSelfTestFallsBackAndSaysWhy() throws Exception {
    try (EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .bubblewrap(Path.of("/bin/false"))
            .build()) {
      assertThat(backend.sandboxed()).isFalse();

      BackendJobState done = run(backend, "broken");

      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, done, "configuration.log"))
          .contains("bubblewrap's self-test failed (exit 1", "missing guarantees: no /data paths");
    }
  }

  @Test
  void switchedOffItSaysSo() throws Exception {
    try (EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .sandbox(SandboxMode.OFF)
            .build()) {
      assertThat(backend.sandboxed()).isFalse();

      BackendJobState done = run(backend, "off");

      assertThat(read(backend, done, "configuration.log"))
          .contains("NOT a sandbox here: the sandbox is switched off", "missing guarantees");
    }
  }

  @Test
  void aRequiredSandboxThatDoesNotWorkFailsTheStart() {
    assertThatThrownBy(
            () ->
                EmbeddedComputeBackend.builder()
                    .workRoot(temp.resolve("jobs"))
                    .sandbox(SandboxMode.REQUIRE)
                    .bubblewrap(Path.of("/bin/false"))
                    .build())
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining("requires its bubblewrap sandbox")
        .hasMessageContaining("self-test failed");
    assertThat(temp.resolve("jobs")).doesNotExist();
  }

  @Test
  void theSandboxOptionsAreCheckedAndTakenOnce() {
    assertThatThrownBy(
            () ->
                EmbeddedComputeBackend.builder()
                    .sandbox(SandboxMode.OFF)
                    .sandbox(SandboxMode.PREFER))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> EmbeddedComputeBackend.builder().pidsLimit(7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pidsLimit");
    assertThatThrownBy(
            () ->
                EmbeddedComputeBackend.builder()
                    .bubblewrap(Path.of("/a"))
                    .bubblewrap(Path.of("/b")))
        .isInstanceOf(IllegalStateException.class);
  }
}
