package io.c2d.backend.local;

import static io.c2d.backend.local.EmbeddedJobs.WAIT;
import static io.c2d.backend.local.EmbeddedJobs.join;
import static io.c2d.backend.local.EmbeddedJobs.outputNames;
import static io.c2d.backend.local.EmbeddedJobs.raw;
import static io.c2d.backend.local.EmbeddedJobs.read;
import static io.c2d.backend.local.EmbeddedJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.testkit.RecordingListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new embedded backend over the same work root finds every job of the one before it. */
final class EmbeddedRestartTest {
  @TempDir Path workRoot;
  @TempDir Path inputs;

  private EmbeddedComputeBackend instance() {
    return EmbeddedComputeBackend.builder().workRoot(workRoot).sandbox(SandboxMode.OFF).build();
  }

  @Test
  void finishedAndRunningJobsAreRecoveredAndTheRunningOneIsTrackedToTheEnd() {
    JobSpec finished = spec("finished", raw("echo kept > \"$OUTPUTS/kept.txt\"\n"));
    JobSpec running = spec("running", raw("sleep 2\necho done > \"$OUTPUTS/x\"\n"));
    RecordingListener first = new RecordingListener();
    try (EmbeddedComputeBackend one = instance()) {
      join(one.submit(finished, first));
      join(one.submit(running, first));
      first.awaitTerminal(finished.jobId(), WAIT);
      first.awaitStatus(running.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);
    }

    RecordingListener second = new RecordingListener();
    try (EmbeddedComputeBackend two = instance()) {
      Map<JobId, RecoveredJob> found =
          join(two.recover(second)).stream()
              .collect(Collectors.toMap(job -> job.spec().jobId(), Function.identity()));

      assertThat(found).containsOnlyKeys(finished.jobId(), running.jobId());
      assertThat(found.get(finished.jobId()).spec()).isEqualTo(finished);
      BackendJobState kept = found.get(finished.jobId()).state();
      assertThat(kept.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(two, kept, "kept.txt")).isEqualTo("kept\n");
      assertThat(found.get(running.jobId()).state().status())
          .isEqualTo(JobStatus.RUNNING_ALGORITHM);

      BackendJobState done = second.awaitTerminal(running.jobId(), WAIT);
      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(outputNames(done)).containsExactly("x");
      assertThat(read(two, done, "x")).isEqualTo("done\n");
      assertThat(second.statuses(running.jobId()))
          .containsExactly(JobStatus.PUBLISHING_RESULTS, JobStatus.COMPLETED);
      assertThat(first.statuses(running.jobId())).doesNotContain(JobStatus.COMPLETED);

      RecordingListener retry = new RecordingListener();
      join(two.submit(running, retry));
      assertThat(retry.awaitTerminal(running.jobId(), WAIT)).isEqualTo(done);
    }
  }

  @Test
  void aJobWhoseProcessVanishedWithoutAnExitCodeFailed() throws Exception {
    JobSpec lost = spec("lost", raw("sleep 30\n"));
    RecordingListener first = new RecordingListener();
    try (EmbeddedComputeBackend one = instance()) {
      join(one.submit(lost, first));
      first.awaitStatus(lost.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);
    }
    Path job = workRoot.resolve(lost.jobId().value());
    long pid =
        Long.parseLong(
            Files.readString(job.resolve("pid"), StandardCharsets.US_ASCII)
                .trim()
                .split(" ", -1)[0]);
    ProcessHandle wrapper = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> children = wrapper.descendants().toList();
    wrapper.destroyForcibly(); // first, so that it cannot write the exit code
    children.forEach(ProcessHandle::destroyForcibly);
    wrapper.onExit().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    try (EmbeddedComputeBackend two = instance()) {
      List<RecoveredJob> found = join(two.recover(new RecordingListener()));

      assertThat(found)
          .singleElement()
          .satisfies(
              job1 -> {
                assertThat(job1.state().status()).isEqualTo(JobStatus.FAILED);
                assertThat(job1.state().detail()).contains("left no exit code");
              });
      assertThat(Files.readString(job.resolve("state.json"))).contains("\"status\":105");
    }
  }

  @Test
  void aRestartedInstanceDoesNotStartAKnownJobAgain() throws Exception {
    JobSpec spec = spec("once", raw("echo ran >> \"$VOLUME/../runs\"\n"));
    RecordingListener first = new RecordingListener();
    try (EmbeddedComputeBackend one = instance()) {
      join(one.submit(spec, first));
      first.awaitTerminal(spec.jobId(), WAIT);
    }

    RecordingListener second = new RecordingListener();
    try (EmbeddedComputeBackend two = instance()) {
      join(two.submit(spec, second)); // no recover() first: submit alone must find the job

      assertThat(second.awaitTerminal(spec.jobId(), WAIT).status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(second.statuses(spec.jobId())).containsExactly(JobStatus.COMPLETED);
      assertThat(Files.readString(workRoot.resolve(spec.jobId().value()).resolve("runs")))
          .isEqualTo("ran\n");
    }
  }

  /**
   * The process died while the job was staging: its directory holds a half-staged {@code data/} and
   * no process was ever started. The next instance runs it from the start, once.
   */
  @Test
  void aJobInterruptedWhileStagingIsRunFromTheStartOnceAndCompletes() throws Exception {
    Path input = EmbeddedJobs.file(inputs, "resume-input.csv", "a\nb\n");
    JobSpec spec =
        spec(
            "resumed",
            raw(
                "echo ran >> \"$VOLUME/../runs\"\nwc -l < $INPUTS/"
                    + EmbeddedJobs.did(1).id()
                    + "/0 > \"$OUTPUTS/count\"\n"),
            EmbeddedJobs.dataset(1, input.toUri()));
    JobDirectory directory =
        JobDirectoryStore.of(workRoot)
            .create(
                spec,
                BackendJobState.of(spec.jobId(), JobStatus.CONFIGURING_VOLUMES, Instant.now()));
    // what the interrupted attempt left: a partly copied input and an empty log
    Path data = directory.resolve("data");
    Files.createDirectories(data.resolve("inputs").resolve(EmbeddedJobs.did(1).id()));
    Files.writeString(data.resolve("inputs").resolve(EmbeddedJobs.did(1).id()).resolve("0"), "a\n");
    Files.writeString(data.resolve("leftover"), "from the attempt before");
    Files.createDirectories(directory.resolve("tmp"));

    RecordingListener second = new RecordingListener();
    try (EmbeddedComputeBackend two = instance()) {
      List<RecoveredJob> found = join(two.recover(second));
      assertThat(found)
          .singleElement()
          .satisfies(job -> assertThat(job.state().status()).isNotEqualTo(JobStatus.FAILED));

      BackendJobState done = second.awaitTerminal(spec.jobId(), WAIT);
      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(two, done, "count").strip()).isEqualTo("2");
      assertThat(second.statuses(spec.jobId()))
          .doesNotContain(JobStatus.JOB_STARTED, JobStatus.CONFIGURING_VOLUMES)
          .containsSubsequence(
              JobStatus.PROVISIONING_SUCCESS,
              JobStatus.RUNNING_ALGORITHM,
              JobStatus.PUBLISHING_RESULTS,
              JobStatus.COMPLETED);
      assertThat(Files.readString(directory.resolve("runs"))).isEqualTo("ran\n");
      assertThat(data.resolve("leftover")).doesNotExist();
      String log = EmbeddedJobs.read(two, done, "configuration.log");
      assertThat(log).contains("staging it again from the start");
    }
    try (Stream<Path> entries = Files.list(workRoot)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .as("no other directory in the work root")
          .containsExactly(spec.jobId().value());
    }

    // a third instance finds it finished and runs nothing again
    try (EmbeddedComputeBackend three = instance()) {
      assertThat(join(three.recover(new RecordingListener())))
          .singleElement()
          .satisfies(job -> assertThat(job.state().status()).isEqualTo(JobStatus.COMPLETED));
      assertThat(Files.readString(directory.resolve("runs"))).isEqualTo("ran\n");
    }
  }

  /**
   * The process died after staging and before the algorithm's process was started: the job is
   * staged again and started once, and its statuses go on from PROVISIONING_SUCCESS.
   */
  @Test
  void aJobInterruptedBeforeItsProcessStartedIsStartedOnceWhenResubmitted() throws Exception {
    JobSpec spec =
        spec("provisioned", raw("echo ran >> \"$VOLUME/../runs\"\necho ok > \"$OUTPUTS/x\"\n"));
    JobDirectory directory =
        JobDirectoryStore.of(workRoot)
            .create(
                spec,
                BackendJobState.of(spec.jobId(), JobStatus.PROVISIONING_SUCCESS, Instant.now()));
    Files.createDirectories(directory.resolve("data").resolve("outputs"));
    Files.writeString(directory.resolve("data").resolve("outputs").resolve("stale"), "stale");

    RecordingListener again = new RecordingListener();
    try (EmbeddedComputeBackend two = instance()) {
      join(two.submit(spec, again)); // no recover() first: submit alone resumes it

      BackendJobState done = again.awaitTerminal(spec.jobId(), WAIT);
      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(outputNames(done)).containsExactly("x");
      assertThat(again.statuses(spec.jobId()))
          .containsExactly(
              JobStatus.PROVISIONING_SUCCESS,
              JobStatus.RUNNING_ALGORITHM,
              JobStatus.PUBLISHING_RESULTS,
              JobStatus.COMPLETED);
      assertThat(Files.readString(directory.resolve("runs"))).isEqualTo("ran\n");
    }
  }

  /**
   * The process died between recording that it starts the algorithm's process and recording its
   * pid: the process may run unseen, so the job is not started a second time (it fails instead).
   */
  @Test
  void aJobWhoseProcessMayHaveStartedUnrecordedIsNotStartedAgain() throws Exception {
    JobSpec spec = spec("unsure", raw("echo ran >> \"$VOLUME/../runs\"\n"));
    JobDirectory directory =
        JobDirectoryStore.of(workRoot)
            .create(
                spec,
                BackendJobState.of(spec.jobId(), JobStatus.PROVISIONING_SUCCESS, Instant.now()));
    Files.writeString(directory.resolve("starting"), "");

    try (EmbeddedComputeBackend two = instance()) {
      RecordingListener second = new RecordingListener();
      join(two.recover(second));

      assertThat(second.awaitTerminal(spec.jobId(), WAIT).status()).isEqualTo(JobStatus.FAILED);
      assertThat(directory.resolve("runs")).doesNotExist();
    }
  }
}
