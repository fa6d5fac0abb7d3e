package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state files' crash atomicity: a write is stopped at each of its steps, as a crash there would
 * stop it (nothing after the step runs, no clean-up), and a new store over the same root must see
 * either no job or a complete one, and a state either old or new, whole; leftovers are removed.
 */
final class JobDirectoryCrashTest {
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir Path root;

  /** What stops a write: an Error, so that no catch block of the store cleans up after it. */
  private static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String step) {
      super("crashed at " + step, null, false, false);
    }
  }

  /** Crashes at the {@code n}-th step reached (from 0); records the steps. */
  private static JobDirectoryStore.CrashPoint crashAt(int n, List<String> steps) {
    AtomicInteger reached = new AtomicInteger();
    return step -> {
      steps.add(step);
      if (reached.getAndIncrement() == n) {
        throw new Crash(step);
      }
    };
  }

  private static List<String> stepsOfCreate(Path root) throws IOException {
    List<String> steps = new ArrayList<>();
    JobDirectoryStore.withCrashPoint(root, steps::add)
        .create(
            Specs.spec("probe"),
            BackendJobState.of(Specs.spec("probe").jobId(), JobStatus.WARMING_UP, AT));
    return steps;
  }

  @Test
  void aCreationCrashedAtAnyStepLeavesNoJobOrACompleteOne() throws IOException {
    List<String> steps = stepsOfCreate(root.resolve("probe"));
    assertThat(steps).hasSizeGreaterThan(10).contains("create: renamed into place");
    int renamedAt = steps.indexOf("create: renamed into place");

    for (int n = 0; n < steps.size(); n++) {
      Path jobs = root.resolve("crash-" + n);
      JobSpec spec = Specs.spec("a");
      BackendJobState first = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, AT);
      List<String> reached = new ArrayList<>();
      int at = n;
      assertThatThrownBy(
              () ->
                  JobDirectoryStore.withCrashPoint(jobs, crashAt(at, reached)).create(spec, first))
          .as("crash at %s", steps.get(n))
          .isInstanceOf(Crash.class);

      JobDirectoryStore restarted = JobDirectoryStore.of(jobs);
      if (n < renamedAt) {
        assertThat(restarted.list()).as("no job after a crash at %s", steps.get(n)).isEmpty();
        assertThat(restarted.find(spec.jobId())).isEmpty();
        // and the job can be created again, as the submitter's retry would
        JobDirectory again = restarted.create(spec, first);
        assertThat(again.readSpec()).isEqualTo(spec);
      } else {
        assertThat(restarted.list())
            .as("a job after a crash at %s", steps.get(n))
            .containsExactly(spec.jobId());
        JobDirectory directory = restarted.find(spec.jobId()).orElseThrow();
        assertThat(directory.isComplete()).isTrue();
        assertThat(directory.readSpec()).isEqualTo(spec);
        assertThat(directory.readState()).isEqualTo(first);
      }
      try (Stream<Path> entries = Files.list(jobs)) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .as("nothing but the job's directory after a crash at %s", steps.get(n))
            .allMatch(name -> name.equals(spec.jobId().value()));
      }
    }
  }

  @Test
  void aStateWriteCrashedAtAnyStepLeavesTheOldStateOrTheNewOneWhole() throws IOException {
    JobSpec spec = Specs.spec("a");
    BackendJobState old = BackendJobState.of(spec.jobId(), JobStatus.CONFIGURING_VOLUMES, AT);
    BackendJobState next =
        new BackendJobState(
            spec.jobId(),
            JobStatus.RUNNING_ALGORITHM,
            null,
            "a detail long enough that half of the file is not a whole state " + "x".repeat(200),
            List.of(),
            AT.plusSeconds(1));
    List<String> steps = new ArrayList<>();
    JobDirectoryStore.of(root.resolve("probe")).create(spec, old);
    JobDirectoryStore.withCrashPoint(root.resolve("probe"), steps::add)
        .directory(spec.jobId())
        .writeState(next);
    assertThat(steps)
        .contains("write: temporary file half written", "write: renamed over the target");
    int renamedAt = steps.indexOf("write: renamed over the target");

    for (int n = 0; n < steps.size(); n++) {
      Path jobs = root.resolve("crash-" + n);
      JobDirectoryStore.of(jobs).create(spec, old);
      int at = n;
      assertThatThrownBy(
              () ->
                  JobDirectoryStore.withCrashPoint(jobs, crashAt(at, new ArrayList<>()))
                      .directory(spec.jobId())
                      .writeState(next))
          .isInstanceOf(Crash.class);

      JobDirectory directory = JobDirectoryStore.of(jobs).find(spec.jobId()).orElseThrow();
      assertThat(directory.readState())
          .as("the state after a crash at %s", steps.get(n))
          .isEqualTo(n < renamedAt ? old : next);
      directory.removeTemporaries();
      try (Stream<Path> entries = Files.list(directory.path())) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .as("no temporary file left after a crash at %s", steps.get(n))
            .containsExactlyInAnyOrder(JobDirectory.JOB_JSON, JobDirectory.STATE_JSON);
      }
    }
  }

  @Test
  void aJobDirectoryWithoutItsSpecIsAnOrphanThatIsRemovedNotAJob() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    JobSpec spec = Specs.spec("a");
    // what a backend's own files for a job whose creation never completed would look like
    Path orphan = Files.createDirectories(store.directory(spec.jobId()).path());
    Files.writeString(orphan.resolve("configuration.log"), "staged\n");

    assertThat(store.directory(spec.jobId()).isComplete()).isFalse();
    assertThat(store.removeIfIncomplete(spec.jobId())).isTrue();
    assertThat(orphan).doesNotExist();

    Files.createDirectories(orphan);
    JobDirectory created =
        store.create(spec, BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, AT));
    assertThat(created.readSpec()).isEqualTo(spec);
    assertThat(store.removeIfIncomplete(spec.jobId())).isFalse();
  }
}
