package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.dataset;
import static io.c2d.backend.docker.TestJobs.did;
import static io.c2d.backend.docker.TestJobs.outputNames;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.read;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Docker backend's lifecycle on the real engine: happy path, failures, stop, restart. */
@Requires(DockerEngine.class)
final class DockerBackendTest {
  private static final String INSTANCE = "backend-test";

  @TempDir Path dir;
  private DockerComputeBackend backend;
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();

  @BeforeEach
  void start() {
    backend = newBackend();
  }

  private DockerComputeBackend newBackend() {
    return DockerComputeBackend.builder()
        .resultRoot(dir.resolve("results"))
        .environment(TestJobs.environment(1 << 20, 64 * 1024))
        .instance(INSTANCE)
        .pullMissingImages(false)
        .build();
  }

  @AfterEach
  void stop() {
    backend.close();
  }

  private BackendJobState run(JobSpec spec) {
    TestJobs.join(backend.submit(spec, recorder));
    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(TestJobs.leftovers(spec.jobId())).as("containers and volumes left").isEmpty();
    return end;
  }

  @Test
  void runsAJobWithOutputsAndLogs() throws IOException {
    Path input = Files.writeString(dir.resolve("input.csv"), "x\n1\n2\n3\n");
    String script =
        "wc -l < $INPUTS/"
            + did(1).id()
            + "/0 > $OUTPUTS/count\n"
            + "mkdir -p $OUTPUTS/plots && echo png > $OUTPUTS/plots/a.png\n"
            + "echo \"dids=$DIDS volume=$VOLUME algo=$ALGO greeting=$GREETING\"\n"
            + "cat $INPUTS/algoCustomData.json\n"
            + "cat /data/ddos/"
            + did(1).id()
            + " > $OUTPUTS/ddo\n"
            + "echo to-stderr >&2\n";
    Algorithm algorithm =
        Algorithm.raw(ContainerSpec.of(DockerEngine.IMAGE, DockerEngine.TAG, "sh $ALGO"), script)
            .putEnvironment("GREETING", "hi")
            .customData("{\"k\":1}")
            .build();
    JobSpec spec =
        spec(
                "happy",
                algorithm,
                dataset(1, input.toUri()).toBuilder().ddoJson("{\"id\":\"ddo-1\"}").build())
            .build();

    BackendJobState end = run(spec);

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(end.exitCode()).isEqualTo(0);
    assertThat(recorder.statuses(spec.jobId()))
        .containsSubsequence(
            JobStatus.JOB_STARTED,
            JobStatus.CONFIGURING_VOLUMES,
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    assertThat(outputNames(end)).containsExactlyInAnyOrder("count", "ddo", "plots/a.png");
    assertThat(read(backend, end, "count").strip()).isEqualTo("4");
    assertThat(read(backend, end, "ddo")).isEqualTo("{\"id\":\"ddo-1\"}");
    assertThat(read(backend, end, "plots/a.png")).isEqualTo("png\n");
    String log = read(backend, end, "algorithm.log");
    assertThat(log)
        .contains("dids=[\"" + did(1).id() + "\"]")
        .contains("volume=/data algo=/data/transformations/algorithm greeting=hi")
        .contains("{\"k\":1}")
        .contains("to-stderr");
    assertThat(end.results().stream().map(r -> r.kind()))
        .contains(ResultKind.ALGORITHM_LOG, ResultKind.CONFIGURATION_LOG, ResultKind.PUBLISH_LOG);
    assertThat(read(backend, end, "configuration.log"))
        .contains("over the job's files on this host: /data read-only");
  }

  @Test
  void aNonZeroExitIsAnAlgorithmFailureWithItsCode() {
    BackendJobState end = run(spec("exit-3", raw("echo failing; exit 3\n")).build());

    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(end.exitCode()).isEqualTo(3);
    assertThat(read(backend, end, "algorithm.log")).contains("failing");
  }

  @Test
  void stopsARunningJob() {
    JobSpec spec = spec("stop-me", raw("sleep 600\n")).build();
    TestJobs.join(backend.submit(spec, recorder));
    recorder.await(spec.jobId(), s -> s.status() == JobStatus.RUNNING_ALGORITHM);

    TestJobs.join(backend.stop(spec.jobId()));

    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(end.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(TestJobs.leftovers(spec.jobId())).isEmpty();
  }

  @Test
  void refusesAnImageWithAnotherDigest() {
    String wrong = "sha256:" + "0".repeat(64);
    Algorithm algorithm =
        Algorithm.raw(
                new ContainerSpec(DockerEngine.IMAGE, DockerEngine.TAG, wrong, "sh $ALGO"),
                "echo should not run\n")
            .build();
    BackendJobState end = run(spec("digest", algorithm).build());

    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_PROVISIONING_FAILED);
    assertThat(end.status().code()).isEqualTo(32);
    assertThat(end.detail()).contains(wrong);
  }

  @Test
  void runsAnImageWithTheDigestItNames() {
    String id =
        DockerEngine.run(
                List.of(
                    "docker",
                    "image",
                    "inspect",
                    "-f",
                    "{{.Id}}",
                    DockerEngine.IMAGE + ":" + DockerEngine.TAG),
                30)
            .output()
            .strip();
    Algorithm algorithm =
        Algorithm.raw(
                new ContainerSpec(DockerEngine.IMAGE, DockerEngine.TAG, id, "sh $ALGO"),
                "echo ran\n")
            .build();
    BackendJobState end = run(spec("digest-ok", algorithm).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void stagingHasItsOwnTimeLimit() throws InterruptedException {
    ComputeEnvironment hasty =
        ComputeEnvironment.builder(TestJobs.ENVIRONMENT)
            .capacity(Resources.of(4, 4096, 10 * 1024, 0))
            .maxPerJob(Resources.of(1, 1024, 2048, 0))
            .phaseTimeouts(
                new PhaseTimeouts(Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMinutes(1)))
            .build();
    try (DockerComputeBackend quick =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("hasty"))
            .environment(hasty)
            .instance(INSTANCE)
            .pullMissingImages(false)
            .build()) {
      JobSpec spec = spec("staging-limit", raw("echo should not run\n")).build();
      TestJobs.join(quick.submit(spec, recorder));
      BackendJobState end = recorder.awaitEnd(spec.jobId());

      assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
      assertThat(end.detail()).contains("staging");
      assertThat(recorder.statuses(spec.jobId())).doesNotContain(JobStatus.RUNNING_ALGORITHM);
      // the staging thread may still be inside an engine call when the limit strikes; whatever it
      // creates then, it removes at its next step
      String left = TestJobs.leftovers(spec.jobId());
      for (int i = 0; i < 50 && !left.isEmpty(); i++) {
        Thread.sleep(200);
        left = TestJobs.leftovers(spec.jobId());
      }
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aMissingImageFailsWithoutPulling() {
    Algorithm algorithm =
        Algorithm.raw(ContainerSpec.of("c2d-test/absent", "1", "sh $ALGO"), "true\n").build();
    BackendJobState end = run(spec("missing-image", algorithm).build());

    assertThat(end.status()).isEqualTo(JobStatus.IMAGE_PULL_FAILED);
  }

  @Test
  void aResubmittedJobIsNotStartedTwice() {
    JobSpec spec = spec("twice", raw("echo once\n")).build();
    BackendJobState end = run(spec);
    TestJobs.Recorder second = new TestJobs.Recorder();

    TestJobs.join(backend.submit(spec, second));

    assertThat(second.await(spec.jobId(), s -> true)).isEqualTo(end);
    assertThat(recorder.statuses(spec.jobId())).containsOnlyOnce(JobStatus.RUNNING_ALGORITHM);
  }

  @Test
  void aNewInstanceRecoversRunningAndFinishedJobsAndRemovesOnlyItsOrphans() {
    JobSpec finished = spec("finished", raw("echo done > $OUTPUTS/done\n")).build();
    BackendJobState finishedEnd = run(finished);
    JobSpec running = spec("running", raw("sleep 4; echo late > $OUTPUTS/late\n")).build();
    TestJobs.join(backend.submit(running, recorder));
    recorder.await(running.jobId(), s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    backend.close();

    String orphanJob = JobId.derive(TestJobs.OWNER, "orphan").value();
    String mine = createLabelled(INSTANCE, orphanJob);
    String someoneElses = createLabelled("another-instance", orphanJob);
    String unlabelled =
        DockerEngine.run(
                List.of("docker", "create", DockerEngine.IMAGE + ":" + DockerEngine.TAG, "true"),
                30)
            .output()
            .strip();
    try {
      backend = newBackend();
      TestJobs.Recorder after = new TestJobs.Recorder();
      List<RecoveredJob> recovered = TestJobs.join(backend.recover(after));

      assertThat(recovered)
          .extracting(job -> job.spec().jobId())
          .containsExactlyInAnyOrder(finished.jobId(), running.jobId());
      assertThat(recovered)
          .filteredOn(job -> job.spec().jobId().equals(finished.jobId()))
          .singleElement()
          .satisfies(job -> assertThat(job.state()).isEqualTo(finishedEnd));
      assertThat(read(backend, finishedEnd, "done").strip()).isEqualTo("done");
      BackendJobState end = after.awaitEnd(running.jobId());
      assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, end, "late").strip()).isEqualTo("late");
      assertThat(TestJobs.leftovers(running.jobId())).isEmpty();

      assertThat(exists(mine)).as("this instance's orphan is removed").isFalse();
      assertThat(exists(someoneElses)).as("another instance's container is kept").isTrue();
      assertThat(exists(unlabelled)).as("a container c2d did not make is kept").isTrue();
    } finally {
      DockerEngine.run(List.of("docker", "rm", "-f", someoneElses, unlabelled, mine), 30);
    }
  }

  /**
   * The process died while the job was staging: the store says CONFIGURING_VOLUMES, its volume and
   * container were created (never started) and a staging archive was half written. A new instance
   * removes them and runs the job from the start, in one new container.
   */
  @Test
  void aJobInterruptedWhileStagingIsRunFromTheStartInOneContainerAfterARestart()
      throws IOException {
    JobSpec spec = spec("resumed", raw("echo once > $OUTPUTS/marker\n")).build();
    backend.close();
    Path resultRoot = dir.resolve("results");
    JobDirectory directory =
        JobDirectoryStore.of(resultRoot)
            .create(
                spec,
                BackendJobState.of(spec.jobId(), JobStatus.CONFIGURING_VOLUMES, Instant.now()));
    Files.writeString(directory.resolve("staging.tar"), "half an archive");
    String stale = createInterruptedAttempt(spec.jobId());
    try {
      backend = newBackend();
      TestJobs.Recorder after = new TestJobs.Recorder();
      List<RecoveredJob> recovered = TestJobs.join(backend.recover(after));
      assertThat(recovered)
          .singleElement()
          .satisfies(job -> assertThat(job.state().status()).isNotEqualTo(JobStatus.FAILED));

      BackendJobState end = after.awaitEnd(spec.jobId());

      assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, end, "marker").strip()).isEqualTo("once");
      assertThat(after.statuses(spec.jobId()))
          .doesNotContain(JobStatus.JOB_STARTED, JobStatus.CONFIGURING_VOLUMES)
          .containsSubsequence(
              JobStatus.PROVISIONING_SUCCESS, JobStatus.RUNNING_ALGORITHM, JobStatus.COMPLETED);
      String log = read(backend, end, "configuration.log");
      assertThat(log).contains("staging it again from the start");
      assertThat(log.split("created container", -1)).as("containers created").hasSize(2);
      assertThat(log.split("started the algorithm", -1)).as("algorithms started").hasSize(2);
      assertThat(exists(stale)).as("the interrupted attempt's container is removed").isFalse();
      assertThat(TestJobs.leftovers(spec.jobId())).as("containers and volumes left").isEmpty();
      assertThat(directory.resolve("staging.tar")).doesNotExist();
    } finally {
      DockerEngine.run(List.of("docker", "rm", "-f", stale), 30);
    }
  }

  /**
   * The process died after staging, before it started the container: submitting the job again (no
   * recover first) starts it once, with statuses going on from PROVISIONING_SUCCESS.
   */
  @Test
  void aJobInterruptedBeforeItsContainerStartedIsStartedOnceWhenResubmitted() throws IOException {
    JobSpec spec = spec("provisioned", raw("echo once > $OUTPUTS/marker\n")).build();
    backend.close();
    JobDirectoryStore.of(dir.resolve("results"))
        .create(
            spec, BackendJobState.of(spec.jobId(), JobStatus.PROVISIONING_SUCCESS, Instant.now()));
    String stale = createInterruptedAttempt(spec.jobId());
    try {
      backend = newBackend();
      TestJobs.Recorder again = new TestJobs.Recorder();
      TestJobs.join(backend.submit(spec, again));

      BackendJobState end = again.awaitEnd(spec.jobId());

      assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, end, "marker").strip()).isEqualTo("once");
      assertThat(again.statuses(spec.jobId()))
          .containsExactly(
              JobStatus.PROVISIONING_SUCCESS,
              JobStatus.RUNNING_ALGORITHM,
              JobStatus.PUBLISHING_RESULTS,
              JobStatus.COMPLETED);
      assertThat(exists(stale)).isFalse();
      assertThat(TestJobs.leftovers(spec.jobId())).isEmpty();
    } finally {
      DockerEngine.run(List.of("docker", "rm", "-f", stale), 30);
    }
  }

  /** The volume and never-started container an interrupted staging leaves; the container's id. */
  private static String createInterruptedAttempt(JobId id) {
    String name = Labels.name(INSTANCE, id);
    List<String> labels =
        List.of(
            "--label",
            "io.c2d.managed-by=c2d-backend-docker",
            "--label",
            "io.c2d.instance=" + INSTANCE,
            "--label",
            "io.c2d.job-id=" + id.value());
    List<String> volume = new java.util.ArrayList<>(List.of("docker", "volume", "create"));
    volume.addAll(labels);
    volume.add(name);
    assertThat(DockerEngine.run(volume, 30).code()).isZero();
    List<String> create = new java.util.ArrayList<>(List.of("docker", "create", "--name", name));
    create.addAll(labels);
    create.addAll(
        List.of("-v", name + ":/data", DockerEngine.IMAGE + ":" + DockerEngine.TAG, "true"));
    return DockerEngine.run(create, 30).output().strip();
  }

  private static String createLabelled(String instance, String jobId) {
    return DockerEngine.run(
            List.of(
                "docker",
                "create",
                "--label",
                "io.c2d.managed-by=c2d-backend-docker",
                "--label",
                "io.c2d.instance=" + instance,
                "--label",
                "io.c2d.job-id=" + jobId,
                DockerEngine.IMAGE + ":" + DockerEngine.TAG,
                "true"),
            30)
        .output()
        .strip();
  }

  private static boolean exists(String container) {
    return DockerEngine.run(List.of("docker", "inspect", container), 30).code() == 0;
  }
}
