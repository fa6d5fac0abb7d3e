package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class JobDirectoryStoreTest {
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir Path root;

  @Test
  void aCreatedJobHasItsSpecAndFirstStateAndIsListed() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root.resolve("jobs"));
    JobSpec spec = Specs.spec("a");
    BackendJobState first = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, AT);

    JobDirectory directory = store.create(spec, first);

    assertThat(directory.readSpec()).isEqualTo(spec);
    assertThat(directory.readState()).isEqualTo(first);
    assertThat(store.list()).containsExactly(spec.jobId());
    assertThat(store.find(spec.jobId())).contains(directory);
    try (Stream<Path> entries = Files.list(store.root())) {
      assertThat(entries).containsExactly(directory.path());
    }
  }

  @Test
  void aSecondCreateOfTheSameJobFailsAndLeavesTheFirstAlone() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    JobSpec spec = Specs.spec("a");
    BackendJobState first = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, AT);
    JobDirectory directory = store.create(spec, first);
    directory.writeState(BackendJobState.of(spec.jobId(), JobStatus.JOB_STARTED, AT));

    assertThatThrownBy(() -> store.create(spec, first))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(directory.readState().status()).isEqualTo(JobStatus.JOB_STARTED);
    assertThat(store.list()).containsExactly(spec.jobId());
  }

  @Test
  void aHalfCreatedJobIsNeverListedAndItsLeftoverIsRemoved() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    JobSpec spec = Specs.spec("a");
    // what a crash between creating the temporary directory and renaming it leaves behind
    Path leftover = root.resolve(JobDirectoryStore.CREATING_PREFIX + spec.jobId().value() + "-x");
    Files.createDirectories(leftover);
    Files.writeString(leftover.resolve(JobDirectory.JOB_JSON), spec.toJson());

    assertThat(store.list()).isEmpty();
    assertThat(leftover).doesNotExist();
    assertThat(store.find(spec.jobId())).isEmpty();
  }

  @Test
  void namesThatAreNoJobIdAndPlainFilesAreSkipped() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    Files.createDirectories(root.resolve("not a job"));
    Files.writeString(root.resolve("file"), "x");

    assertThat(store.list()).isEmpty();
    assertThat(JobDirectoryStore.of(root.resolve("missing")).list()).isEmpty();
  }

  @Test
  void stateWritesReplaceTheWholeFileAndLeaveNoTemporaryFiles() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    JobSpec spec = Specs.spec("a");
    JobDirectory directory =
        store.create(spec, BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, AT));

    for (JobStatus status :
        new JobStatus[] {JobStatus.JOB_STARTED, JobStatus.CONFIGURING_VOLUMES}) {
      directory.writeState(BackendJobState.of(spec.jobId(), status, AT));
    }

    assertThat(directory.readState().status()).isEqualTo(JobStatus.CONFIGURING_VOLUMES);
    try (Stream<Path> entries = Files.list(directory.path())) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(JobDirectory.JOB_JSON, JobDirectory.STATE_JSON);
    }
  }

  @Test
  void aStateOfAnotherJobOrAMissingStateIsRefused() throws IOException {
    JobDirectoryStore store = JobDirectoryStore.of(root);
    JobSpec spec = Specs.spec("a");
    JobDirectory directory = store.directory(spec.jobId());
    Files.createDirectories(directory.path());

    assertThatThrownBy(directory::readState).isInstanceOf(NoSuchFileException.class);
    directory.writeState(
        BackendJobState.of(JobId.derive(Specs.OWNER, "b"), JobStatus.WARMING_UP, AT));
    assertThatThrownBy(directory::readState)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("it is the state of job");
  }

  @Test
  void theEndingRoundTrips() throws IOException {
    JobDirectory directory = JobDirectoryStore.of(root).directory(Specs.spec("a").jobId());
    Files.createDirectories(directory.path());

    assertThat(directory.readEnding()).isNull();
    directory.writeEnding(JobDirectory.ENDING_TIMED_OUT);
    assertThat(directory.readEnding()).isEqualTo(JobDirectory.ENDING_TIMED_OUT);
  }

  @Test
  void deletingATreeNeverFollowsALink() throws IOException {
    Path outside = Files.createDirectories(root.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "x");
    Path tree = Files.createDirectories(root.resolve("tree/sub"));
    Files.createSymbolicLink(tree.resolve("link"), outside);
    Files.writeString(tree.resolve("file"), "y");
    tree.toFile().setWritable(false);

    JobDirectoryStore.deleteTree(root.resolve("tree"));

    assertThat(root.resolve("tree")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("x");
  }
}
