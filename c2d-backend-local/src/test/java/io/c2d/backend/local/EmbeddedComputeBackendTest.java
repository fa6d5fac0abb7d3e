package io.c2d.backend.local;

import static io.c2d.backend.local.EmbeddedJobs.WAIT;
import static io.c2d.backend.local.EmbeddedJobs.dataset;
import static io.c2d.backend.local.EmbeddedJobs.did;
import static io.c2d.backend.local.EmbeddedJobs.file;
import static io.c2d.backend.local.EmbeddedJobs.join;
import static io.c2d.backend.local.EmbeddedJobs.names;
import static io.c2d.backend.local.EmbeddedJobs.outputNames;
import static io.c2d.backend.local.EmbeddedJobs.raw;
import static io.c2d.backend.local.EmbeddedJobs.read;
import static io.c2d.backend.local.EmbeddedJobs.result;
import static io.c2d.backend.local.EmbeddedJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.RecordingListener;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded backend runs real shell algorithms in the sandbox layout, here as plain processes
 * ({@link SandboxMode#OFF}: the layout at host paths); {@link BubblewrapSandboxTest} and the
 * conformance kit run them in bubblewrap.
 */
final class EmbeddedComputeBackendTest {
  private static final List<JobStatus> HAPPY_PATH =
      List.of(
          JobStatus.JOB_STARTED,
          JobStatus.CONFIGURING_VOLUMES,
          JobStatus.PROVISIONING_SUCCESS,
          JobStatus.RUNNING_ALGORITHM,
          JobStatus.PUBLISHING_RESULTS,
          JobStatus.COMPLETED);

  @TempDir Path temp;

  private final RecordingListener listener = new RecordingListener();
  private EmbeddedComputeBackend backend;

  private EmbeddedComputeBackend backend() {
    backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .sandbox(SandboxMode.OFF)
            .build();
    return backend;
  }

  @AfterEach
  void close() {
    if (backend != null) {
      backend.close();
    }
  }

  private BackendJobState run(EmbeddedComputeBackend on, JobSpec spec) {
    join(on.submit(spec, listener));
    return listener.awaitTerminal(spec.jobId(), WAIT);
  }

  @Test
  void theAlgorithmSeesTheSandboxLayoutAndEnvironment() throws Exception {
    Path publisher = Files.createDirectories(temp.resolve("publisher"));
    Path a0 = file(publisher, "a0.csv", "x,y\n1,2\n");
    Path a1 = file(publisher, "a1.csv", "x,y\n3,4\n");
    Path b0 = file(publisher, "b0.txt", "bee\n");
    StringBuilder script = new StringBuilder("echo \"pwd=$(pwd)\" > \"$OUTPUTS/env.txt\"\n");
    for (String name :
        List.of(
            "VOLUME",
            "INPUTS",
            "OUTPUTS",
            "LOGS",
            "ALGO",
            "DIDS",
            "TRANSFORMATION_DID",
            "GREETING")) {
      script
          .append("printf '")
          .append(name)
          .append("=%s\\n' \"$")
          .append(name)
          .append("\" >> \"$OUTPUTS/env.txt\"\n");
    }
    script.append(
        String.join(
            "\n",
            "cat \"$INPUTS/"
                + did(1).id()
                + "/0\" \"$INPUTS/"
                + did(1).id()
                + "/1\""
                + " \"$INPUTS/"
                + did(2).id()
                + "/0\" > \"$OUTPUTS/inputs.txt\"",
            "ls \"$INPUTS\" > \"$OUTPUTS/inputs-dir.txt\"",
            "cat \"$INPUTS/algoCustomData.json\" > \"$OUTPUTS/custom.json\"",
            "cat \"$VOLUME/ddos/" + did(1).id() + "\" > \"$OUTPUTS/ddo.json\"",
            "echo to-stdout",
            "echo to-stderr >&2",
            "echo private > \"$LOGS/mine.log\"",
            ""));
    Algorithm algorithm =
        Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), script.toString())
            .putEnvironment("GREETING", "hello world")
            .customData("{\"threshold\":3}")
            .build();
    JobSpec spec =
        spec(
            "layout",
            algorithm,
            io.c2d.model.DatasetInput.builder(did(1), "compute")
                .addFile(a0.toUri())
                .addFile(a1.toUri())
                .ddoJson("{\"id\":\"" + did(1) + "\"}")
                .build(),
            dataset(2, b0.toUri()));

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(done.exitCode()).isZero();
    assertThat(listener.statuses(spec.jobId())).containsExactlyElementsOf(HAPPY_PATH);
    assertThat(listener.overlaps()).isZero();
    assertThat(names(done))
        .containsExactly(
            "custom.json",
            "ddo.json",
            "env.txt",
            "inputs-dir.txt",
            "inputs.txt",
            "algorithm.log",
            "configuration.log",
            "publish.log");
    assertThat(done.results()).extracting(JobResult::index).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(done.results())
        .extracting(JobResult::kind)
        .containsExactly(
            ResultKind.OUTPUT,
            ResultKind.OUTPUT,
            ResultKind.OUTPUT,
            ResultKind.OUTPUT,
            ResultKind.OUTPUT,
            ResultKind.ALGORITHM_LOG,
            ResultKind.CONFIGURATION_LOG,
            ResultKind.PUBLISH_LOG);

    Path job = temp.resolve("jobs").resolve(spec.jobId().value()).toAbsolutePath();
    Path data = job.resolve("data");
    assertThat(read(backend, done, "env.txt"))
        .isEqualTo(
            String.join(
                "\n",
                "pwd=" + job.toRealPath(), // the job's directory stands for the image's root
                "VOLUME=" + data,
                "INPUTS=" + data.resolve("inputs"),
                "OUTPUTS=" + data.resolve("outputs"),
                "LOGS=" + data.resolve("logs"),
                "ALGO=" + data.resolve("transformations/algorithm"),
                "DIDS=[\"" + did(1).id() + "\",\"" + did(2).id() + "\"]",
                "TRANSFORMATION_DID=",
                "GREETING=hello world",
                ""));
    assertThat(read(backend, done, "inputs.txt")).isEqualTo("x,y\n1,2\nx,y\n3,4\nbee\n");
    assertThat(read(backend, done, "inputs-dir.txt"))
        .isEqualTo(did(1).id() + "\n" + did(2).id() + "\nalgoCustomData.json\n");
    assertThat(read(backend, done, "custom.json")).isEqualTo("{\"threshold\":3}");
    assertThat(read(backend, done, "ddo.json")).isEqualTo("{\"id\":\"" + did(1) + "\"}");
    assertThat(read(backend, done, "algorithm.log")).contains("to-stdout", "to-stderr");
    assertThat(read(backend, done, "configuration.log"))
        .contains("staged dataset " + did(1) + " file 1", "NOT a sandbox");
    assertThat(read(backend, done, "publish.log")).contains("collected 'env.txt'");
    for (JobResult result : done.results()) {
      assertThat(read(backend, done.jobId(), result).getBytes(StandardCharsets.UTF_8))
          .hasSize((int) result.size());
    }

    assertThat(JobSpec.fromJson(Files.readString(job.resolve("job.json")))).isEqualTo(spec);
    assertThat(Files.readString(job.resolve("state.json")))
        .contains("\"status\":70", "\"name\":\"env.txt\"");
    assertThat(Files.readString(job.resolve("exitcode")).trim()).isEqualTo("0");
  }

  @Test
  void aPublishedAlgorithmIsItsFilesConcatenated() throws Exception {
    Path publisher = Files.createDirectories(temp.resolve("algo"));
    Path part1 = file(publisher, "part1.sh", "echo one > \"$OUTPUTS/one.txt\"\n");
    Path part2 =
        file(publisher, "part2.sh", "echo \"$TRANSFORMATION_DID\" > \"$OUTPUTS/two.txt\"\n");
    Algorithm algorithm =
        Algorithm.published(did(9), "compute", ContainerSpec.of("busybox", "stable", "sh $ALGO"))
            .addFile(part1.toUri())
            .addFile(part2.toUri())
            .ddoJson("{\"id\":\"" + did(9) + "\"}")
            .build();
    JobSpec spec = spec("published", algorithm);

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, done, "one.txt")).isEqualTo("one\n");
    assertThat(read(backend, done, "two.txt")).isEqualTo(did(9).id() + "\n");
    assertThat(
            temp.resolve("jobs")
                .resolve(spec.jobId().value())
                .resolve("data/ddos")
                .resolve(did(9).id()))
        .hasContent("{\"id\":\"" + did(9) + "\"}");
  }

  @Test
  void aNonZeroExitIsAlgorithmFailedWithTheExitCode() {
    JobSpec spec = spec("fails", raw("echo about to fail\nexit 3\n"));

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(done.exitCode()).isEqualTo(3);
    assertThat(done.detail()).contains("code 3");
    assertThat(listener.statuses(spec.jobId()))
        .endsWith(
            JobStatus.RUNNING_ALGORITHM, JobStatus.PUBLISHING_RESULTS, JobStatus.ALGORITHM_FAILED);
    assertThat(read(backend, done, "algorithm.log")).contains("about to fail");
  }

  @Test
  void aJobPastItsMaximumDurationIsKilledAndTimedOut() throws Exception {
    JobSpec spec =
        spec(
            "slow",
            raw(
                "sleep 30 &\necho $! > \"$OUTPUTS/child.pid\"\nwait\necho late > \"$OUTPUTS/late\"\n"),
            Duration.ofMillis(500));

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(done.detail()).contains("maximum duration of PT0.5S");
    assertThat(listener.statuses(spec.jobId())).doesNotContain(JobStatus.PUBLISHING_RESULTS);
    assertThat(outputNames(done)).containsExactly("child.pid");
    long child = Long.parseLong(read(backend, done, "child.pid").trim());
    assertThat(ProcessLiveness.isGoneOrZombie(child))
        .as("the algorithm's child was killed")
        .isTrue();
  }

  @Test
  void aStoppedJobEndsAsStopped() {
    JobSpec spec = spec("stopped", raw("echo started\nsleep 30\n"));
    EmbeddedComputeBackend embedded = backend();
    join(embedded.submit(spec, listener));
    listener.awaitStatus(spec.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);

    join(embedded.stop(spec.jobId()));

    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);
    assertThat(done.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(done.detail()).isEqualTo("stopped on request");
    assertThat(names(done)).contains("algorithm.log", "configuration.log", "publish.log");
    join(embedded.stop(spec.jobId())); // an ended job: nothing happens
    join(embedded.stop(JobId.derive(EmbeddedJobs.OWNER, "never submitted")));
    assertThat(listener.statuses(spec.jobId())).containsOnlyOnce(JobStatus.STOPPED);
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void outputsBeyondTheCapAreCutAndTheJobSaysSo() {
    backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .sandbox(SandboxMode.OFF)
            .environment(EmbeddedJobs.environment(10, 1 << 20))
            .build();
    JobSpec spec =
        spec(
            "capped",
            raw(
                """
                printf aaaaaa > "$OUTPUTS/a"
                printf bbbbbb > "$OUTPUTS/b"
                printf cc > "$OUTPUTS/c"
                printf '' > "$OUTPUTS/d"
                """));

    BackendJobState done = run(backend, spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(done.detail()).contains("cut 'b' at 4 bytes", "dropped 'c'");
    assertThat(outputNames(done)).containsExactly("a", "b", "d");
    assertThat(result(done, "a").size()).isEqualTo(6);
    assertThat(result(done, "b").size()).isEqualTo(4);
    assertThat(read(backend, done, "b")).isEqualTo("bbbb");
    assertThat(read(backend, done, "publish.log")).contains("cut 'b'", "dropped 'c' (2 bytes)");
  }

  @Test
  void logsBeyondTheirCapAreCut() {
    backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .sandbox(SandboxMode.OFF)
            .environment(EmbeddedJobs.environment(1 << 20, 100))
            .build();
    JobSpec spec =
        spec("chatty", raw("awk 'BEGIN { for (i = 0; i < 100; i++) print \"line \" i }'\n"));

    BackendJobState done = run(backend, spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(result(done, "algorithm.log").size()).isEqualTo(100);
    assertThat(read(backend, done, "algorithm.log")).startsWith("line 0\nline 1\n");
    assertThat(done.detail()).contains("algorithm.log cut at 100 bytes");
  }

  @Test
  void linksInTheOutputsAreNeverFollowed() throws Exception {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec =
        spec(
            "links",
            raw(
                """
                echo mine > "$OUTPUTS/mine.txt"
                i=0
                while [ ! -e "$VOLUME/go" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
                """));
    join(embedded.submit(spec, listener));
    listener.awaitStatus(spec.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);
    Path data = embedded.workRoot().resolve(spec.jobId().value()).resolve("data");
    Files.createSymbolicLink(data.resolve("outputs/passwd"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(data.resolve("outputs/etc"), Path.of("/etc"));
    Files.createSymbolicLink(data.resolve("outputs/job.json"), Path.of("../../job.json"));
    Files.createFile(data.resolve("go"));

    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(outputNames(done)).containsExactly("mine.txt");
    assertThat(read(embedded, done, "publish.log"))
        .contains(
            "skipped 'passwd': a symbolic link",
            "skipped 'etc': a symbolic link",
            "skipped 'job.json': a symbolic link");
    try (var files =
        Files.walk(embedded.workRoot().resolve(spec.jobId().value()).resolve("results"))) {
      assertThat(files.filter(Files::isSymbolicLink)).isEmpty();
    }
  }

  @Test
  void onlyListedResultsAreServed() {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec = spec("served", raw("echo ok > \"$OUTPUTS/ok.txt\"\n"));
    BackendJobState done = run(embedded, spec);

    assertThat(read(embedded, done, "ok.txt")).isEqualTo("ok\n");
    assertThatThrownBy(() -> new JobResult("../job.json", ResultKind.OUTPUT, 1, 0))
        .isInstanceOf(InvalidRequestException.class);
    for (JobResult unlisted :
        List.of(
            new JobResult("job.json", ResultKind.OUTPUT, 1, 0),
            new JobResult("state.json", ResultKind.PUBLISH_LOG, 1, 0),
            new JobResult("ok.txt", ResultKind.ALGORITHM_LOG, 3, 0),
            new JobResult("outputs/ok.txt", ResultKind.OUTPUT, 3, 0))) {
      assertThat(embedded.openResult(spec.jobId(), unlisted).toCompletableFuture())
          .failsWithin(WAIT)
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(
              NotFoundException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.RESULT_NOT_FOUND));
    }
    assertThat(
            embedded
                .openResult(JobId.derive(EmbeddedJobs.OWNER, "nobody"), result(done, "ok.txt"))
                .toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_NOT_FOUND));
  }

  @Test
  void aJobIsNeverStartedTwice() throws Exception {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec =
        spec("once", raw("echo ran >> \"$VOLUME/../runs\"\necho ok > \"$OUTPUTS/ok\"\n"));

    var first = embedded.submit(spec, listener);
    var again = embedded.submit(spec, listener);
    join(first);
    join(again);
    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);
    RecordingListener third = new RecordingListener();
    join(embedded.submit(spec, third));

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(third.awaitTerminal(spec.jobId(), WAIT)).isEqualTo(done);
    assertThat(third.statuses(spec.jobId())).containsExactly(JobStatus.COMPLETED);
    assertThat(Files.readString(embedded.workRoot().resolve(spec.jobId().value()).resolve("runs")))
        .isEqualTo("ran\n");
    assertThat(listener.statuses(spec.jobId())).containsOnlyOnce(JobStatus.RUNNING_ALGORITHM);
  }

  @Test
  void aPersistentVolumeClaimInputIsNotStaged() {
    JobSpec spec =
        spec("remote", raw("echo never\n"), dataset(1, URI.create("pvc://datasets/data.csv")));

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(done.status().code()).isEqualTo(31);
    assertThat(done.detail())
        .contains("pvc://datasets/data.csv", "the embedded backend cannot mount");
    assertThat(listener.statuses(spec.jobId()))
        .containsExactly(
            JobStatus.JOB_STARTED,
            JobStatus.CONFIGURING_VOLUMES,
            JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(names(done)).containsExactly("configuration.log", "publish.log");
    assertThat(read(backend, done, "configuration.log")).contains("staging failed");
  }

  @Test
  void aMissingInputFailsDataProvisioning() {
    JobSpec spec =
        spec("missing", raw("echo never\n"), dataset(1, temp.resolve("nope.csv").toUri()));

    BackendJobState done = run(backend(), spec);

    assertThat(done.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(done.detail()).doesNotContain(temp.toString());
  }

  @Test
  void anAlgorithmThatCannotBeFetchedFailsAlgorithmProvisioning() {
    Algorithm algorithm =
        Algorithm.published(did(9), "compute", ContainerSpec.of("busybox", "stable", "sh $ALGO"))
            .addFile(URI.create("ipfs://QmSomething"))
            .build();

    BackendJobState done = run(backend(), spec("algo-remote", algorithm));

    assertThat(done.status()).isEqualTo(JobStatus.ALGORITHM_PROVISIONING_FAILED);
    assertThat(done.status().code()).isEqualTo(32);
    assertThat(done.detail()).contains("algorithm file 0", "ipfs:");
  }

  @Test
  void deleteStopsAndRemovesTheJob() {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec = spec("deleted", raw("sleep 30\n"));
    join(embedded.submit(spec, listener));
    listener.awaitStatus(spec.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);
    Path dir = embedded.workRoot().resolve(spec.jobId().value());
    assertThat(dir).isDirectory();

    join(embedded.delete(spec.jobId()));

    assertThat(dir).doesNotExist();
    assertThat(listener.awaitTerminal(spec.jobId(), WAIT).status()).isEqualTo(JobStatus.STOPPED);
    assertThat(
            embedded
                .openResult(spec.jobId(), new JobResult("x", ResultKind.OUTPUT, 0, 0))
                .toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(NotFoundException.class);
    join(embedded.delete(spec.jobId())); // unknown now: nothing happens
  }

  @Test
  void anEnvironmentItDoesNotOfferIsRefused() {
    JobSpec spec =
        JobSpec.builder(JobId.derive(EmbeddedJobs.OWNER, "elsewhere"), EmbeddedJobs.OWNER)
            .requestId("elsewhere")
            .datasets(List.of(dataset(1)))
            .algorithm(raw("true"))
            .environmentId("gpu")
            .build();

    assertThat(backend().submit(spec, listener).toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("gpu");
  }

  @Test
  void theBuilderNeedsAWorkRootAndTakesEachOptionOnce() {
    assertThatThrownBy(() -> EmbeddedComputeBackend.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("workRoot");
    assertThatThrownBy(() -> EmbeddedComputeBackend.builder().workRoot(temp).workRoot(temp))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                EmbeddedComputeBackend.builder()
                    .environment(EmbeddedJobs.environment(1, 1))
                    .environment(EmbeddedJobs.environment(2, 2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(backend().environments())
        .singleElement()
        .satisfies(e -> assertThat(e.id()).isEqualTo("local"));
  }
}
