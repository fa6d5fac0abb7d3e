package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.PhaseTimeouts;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SandboxJobsTest {
  private static final ComputeEnvironment ENVIRONMENT = Specs.environment(1000, 1000);

  @TempDir Path root;
  private final List<SandboxJobs> opened = new CopyOnWriteArrayList<>();
  private final List<FakeSandbox> sandboxes = new CopyOnWriteArrayList<>();
  private volatile Reattached reattached = Reattached.running();
  private volatile @org.jspecify.annotations.Nullable StageFailure stageFailure;
  private volatile Duration stageDelay = Duration.ZERO;
  private volatile boolean exitOnStart;
  private volatile @org.jspecify.annotations.Nullable SandboxJobs crashOnRemove;

  @AfterEach
  void closeAll() {
    opened.forEach(SandboxJobs::close);
  }

  private SandboxJobs jobs() {
    return jobs(JobRuntime.builder("fake", "c2d-fake").build(), ENVIRONMENT);
  }

  private SandboxJobs jobs(JobRuntime runtime, ComputeEnvironment environment) {
    SandboxJobs jobs =
        SandboxJobs.create(
            JobDirectoryStore.of(root),
            runtime,
            List.of(environment),
            (spec, directory, offered) -> {
              FakeSandbox sandbox = new FakeSandbox();
              sandboxes.add(sandbox);
              return sandbox;
            });
    opened.add(jobs);
    return jobs;
  }

  @Test
  void aJobRunsThroughEveryStatusInOrderAndListsItsResults() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");

    jobs.submit(spec, recorder).toCompletableFuture().get(10, TimeUnit.SECONDS);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    sandboxes.get(0).exit.complete(SandboxJob.Exit.code(0));
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(recorder.statuses())
        .containsExactly(
            JobStatus.JOB_STARTED,
            JobStatus.CONFIGURING_VOLUMES,
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    assertThat(end.results())
        .extracting(JobResult::name)
        .containsExactly("out.txt", "configuration.log", "publish.log");
    assertThat(sandboxes.get(0).removes).hasPositiveValue();
    assertThat(JobDirectoryStore.of(root).directory(spec.jobId()).readState()).isEqualTo(end);
    try (InputStream in =
        jobs.openResult(spec.jobId(), end.results().get(0))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
    }
  }

  @Test
  void aStopFromInsideTheListenerKillsTheAlgorithmWithoutDeadlock() throws Exception {
    SandboxJobs jobs = jobs();
    JobSpec spec = Specs.spec("a");
    Recorder recorder =
        new Recorder() {
          @Override
          public void onUpdate(BackendJobState update) {
            super.onUpdate(update);
            if (update.status() == JobStatus.RUNNING_ALGORITHM) {
              var unused = jobs.stop(spec.jobId());
            }
          }
        };

    jobs.submit(spec, recorder);
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(end.detail()).isEqualTo("stopped on request");
    assertThat(sandboxes.get(0).kills).hasPositiveValue();
  }

  @Test
  void aJobPastItsMaximumDurationIsKilledAndTimedOut() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();

    jobs.submit(Specs.spec("a", Duration.ofMillis(50)), recorder);
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).contains("maximum duration");
  }

  @Test
  void stagingPastItsPhaseLimitEndsTheJobAsTimedOutWhenTheRuntimeEnforcesIt() throws Exception {
    stageDelay = Duration.ofSeconds(5);
    ComputeEnvironment environment =
        ComputeEnvironment.builder("env")
            .phaseTimeouts(
                new PhaseTimeouts(
                    Duration.ofMinutes(1), Duration.ofMillis(100), Duration.ofMinutes(1)))
            .build();
    SandboxJobs jobs =
        jobs(JobRuntime.builder("fake", "c2d-fake").phaseTimeouts(true).build(), environment);
    Recorder recorder = new Recorder();

    jobs.submit(Specs.spec("a"), recorder);
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).isEqualTo("staging took longer than its limit of PT0.1S");
    assertThat(sandboxes.get(0).starts).hasValue(0);
  }

  @Test
  void aStagingFailureEndsTheJobWithItsStatusAndDetail() throws Exception {
    stageFailure = new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, "dataset is missing");
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();

    jobs.submit(Specs.spec("a"), recorder);
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).isEqualTo("dataset is missing");
    assertThat(end.results()).extracting(JobResult::name).contains("configuration.log");
  }

  @Test
  void aNewInstanceTracksARunningAlgorithmAgain() throws Exception {
    JobSpec spec = Specs.spec("a");
    SandboxJobs first = submittedUntil(spec, JobStatus.RUNNING_ALGORITHM);
    first.close();

    Restarted second = restart();
    assertThat(second.recovered()).hasSize(1);
    assertThat(second.recovered().get(0).state().status()).isEqualTo(JobStatus.RUNNING_ALGORITHM);
    sandboxes.get(1).exit.complete(SandboxJob.Exit.code(3));
    BackendJobState end = second.recorder().await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(end.exitCode()).isEqualTo(3);
  }

  @Test
  void anAlgorithmPastTheLogCapIsKilledOnceAndItsJobEndsTruncated() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");
    jobs.submit(spec, recorder);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    SandboxJob job = sandboxes.get(0).started.get(10, TimeUnit.SECONDS);

    job.capReached(SandboxJob.Cap.LOG, "its output went past the log cap");
    job.capReached(SandboxJob.Cap.DISK, "a second cap counts no more");
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(end.detail()).isEqualTo("its output went past the log cap");
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
    assertThat(sandboxes.get(0).kills).as("one kill for the cap, one by the removal").hasValue(2);
    assertThat(JobDirectoryStore.of(root).directory(spec.jobId()).readEnding())
        .isEqualTo(JobDirectory.ENDING_LOG_CAP);
  }

  @Test
  void anAlgorithmPastItsDiskQuotaIsKilledAndItsJobEndsDiskQuotaExceededWithResults()
      throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");
    jobs.submit(spec, recorder);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);

    sandboxes.get(0).started.get(10, TimeUnit.SECONDS).capReached(SandboxJob.Cap.DISK, "full");
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.detail()).isEqualTo("full");
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
  }

  @Test
  void aCapAfterAStopCountsNoMore() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");
    jobs.submit(spec, recorder);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    SandboxJob job = sandboxes.get(0).started.get(10, TimeUnit.SECONDS);

    var unused = jobs.stop(spec.jobId());
    job.capReached(SandboxJob.Cap.LOG, "too late");
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.STOPPED);
  }

  @Test
  void aDiskQuotaExitEndsTheJobDiskQuotaExceededWithItsResults() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");
    jobs.submit(spec, recorder);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);

    sandboxes.get(0).exit.complete(SandboxJob.Exit.diskQuotaExceeded(153, "file-size limit"));
    BackendJobState end = recorder.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.exitCode()).isEqualTo(153);
    assertThat(end.detail()).isEqualTo("file-size limit");
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
  }

  @Test
  void aCapRecordedBeforeARestartStillDecidesHowTheJobEnds() throws Exception {
    JobSpec spec = Specs.spec("a");
    SandboxJobs first = submittedUntil(spec, JobStatus.RUNNING_ALGORITHM);
    // the instance died right after recording the cap, before its kill was seen
    JobDirectoryStore.of(root).directory(spec.jobId()).writeEnding(JobDirectory.ENDING_LOG_CAP);
    first.close();

    Recorder after = restart().recorder();
    sandboxes.get(1).exit.complete(SandboxJob.Exit.code(137));
    BackendJobState end = after.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(end.exitCode()).isEqualTo(137);
    assertThat(end.detail()).contains("log cap");
  }

  @Test
  void aJobWhoseAlgorithmNeverRanIsRunFromTheStartAfterARestart() throws Exception {
    JobSpec spec = leftBeforeItsAlgorithmRan(JobStatus.CONFIGURING_VOLUMES);

    Recorder after = new Recorder();
    List<RecoveredJob> recovered =
        jobs().recover(after).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(recovered)
        .singleElement()
        .satisfies(
            job ->
                assertThat(job.state().status())
                    .isIn(
                        JobStatus.CONFIGURING_VOLUMES,
                        JobStatus.PROVISIONING_SUCCESS,
                        JobStatus.RUNNING_ALGORITHM,
                        JobStatus.PUBLISHING_RESULTS,
                        JobStatus.COMPLETED));
    BackendJobState end = after.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
    // it continues from where it was: nothing it had reported is reported again
    assertThat(after.statuses())
        .containsExactly(
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    assertThat(sandboxes)
        .singleElement()
        .satisfies(
            sandbox ->
                assertThat(sandbox.events).startsWith("reattach", "discard", "stage", "start"));
    assertThat(JobDirectoryStore.of(root).directory(spec.jobId()).readState()).isEqualTo(end);
  }

  @Test
  void aJobInterruptedWhileStagingIsStagedAgainInOneSandboxAndCompletes() throws Exception {
    JobSpec spec = Specs.spec("a");
    stageDelay = Duration.ofSeconds(30);
    SandboxJobs first = jobs();
    Recorder before = new Recorder();
    first.submit(spec, before).toCompletableFuture().get(10, TimeUnit.SECONDS);
    before.await(s -> s.status() == JobStatus.CONFIGURING_VOLUMES);
    first.close(); // the process dies mid-staging
    waitFor(() -> sandboxes.get(0).events.contains("stage aborted"));

    stageDelay = Duration.ZERO;
    reattached = Reattached.neverRan();
    exitOnStart = true;
    Recorder after = restart().recorder();
    BackendJobState end = after.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
    assertThat(sandboxes).hasSize(2);
    assertThat(sandboxes.get(0).starts).as("the interrupted attempt never started").hasValue(0);
    assertThat(sandboxes.get(1).starts).as("exactly one start in all").hasValue(1);
    assertThat(sandboxes.get(1).events).startsWith("reattach", "discard", "stage", "start");
    assertThat(before.statuses())
        .containsExactly(JobStatus.JOB_STARTED, JobStatus.CONFIGURING_VOLUMES);
    assertThat(after.statuses())
        .containsExactly(
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    // a third instance finds it finished and starts nothing
    SandboxJobs third = jobs();
    List<RecoveredJob> again =
        third.recover(new Recorder()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(again).singleElement().satisfies(job -> assertThat(job.state()).isEqualTo(end));
    assertThat(sandboxes.get(2).events).isEmpty();
  }

  @Test
  void aJobInterruptedAfterProvisioningIsStartedOnceWhenResubmitted() throws Exception {
    JobSpec spec = leftBeforeItsAlgorithmRan(JobStatus.PROVISIONING_SUCCESS);

    Recorder again = new Recorder();
    jobs().submit(spec, again).toCompletableFuture().get(10, TimeUnit.SECONDS);
    BackendJobState end = again.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(again.statuses())
        .containsExactly(
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    assertThat(sandboxes)
        .singleElement()
        .satisfies(sandbox -> assertThat(sandbox.starts).hasValue(1));
  }

  @Test
  void aStopRecordedBeforeTheRestartStillStopsAJobThatNeverRan() throws Exception {
    JobSpec spec = Specs.spec("a");
    JobDirectory directory =
        JobDirectoryStore.of(root)
            .create(
                spec,
                BackendJobState.of(
                    spec.jobId(), JobStatus.CONFIGURING_VOLUMES, java.time.Instant.now()));
    directory.writeEnding(JobDirectory.ENDING_STOPPED);
    reattached = Reattached.neverRan();
    exitOnStart = true;

    Recorder after = new Recorder();
    jobs().recover(after).toCompletableFuture().get(10, TimeUnit.SECONDS);
    BackendJobState end = after.await(s -> s.status().isTerminal());

    assertThat(end.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(sandboxes.get(0).starts).hasValue(0);
  }

  @Test
  void aCrashWhileTheSandboxIsRemovedLeavesAFinishedJobWithItsResults() throws Exception {
    JobSpec spec = Specs.spec("a");
    SandboxJobs first = jobs();
    crashOnRemove = first; // the process dies while the sandbox is being removed
    exitOnStart = true;
    first.submit(spec, new Recorder()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    waitFor(() -> sandboxes.get(0).removes.get() > 0);

    crashOnRemove = null;
    reattached = Reattached.gone("the sandbox is gone");
    Restarted second = restart();

    assertThat(second.recovered()).hasSize(1);
    BackendJobState end = second.recovered().get(0).state();
    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    JobResult out =
        end.results().stream().filter(r -> r.name().equals("out.txt")).findFirst().orElseThrow();
    try (InputStream in =
        second
            .jobs()
            .openResult(spec.jobId(), out)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
    }
  }

  @Test
  void aJobDirectoryACrashLeftWithoutItsSpecIsCleanedUpAndTheJobCanStillBeSubmitted()
      throws Exception {
    JobSpec spec = Specs.spec("a");
    Path orphan = Files.createDirectories(root.resolve(spec.jobId().value()));
    Files.writeString(orphan.resolve("configuration.log"), "a line\n");

    SandboxJobs jobs = jobs();
    List<RecoveredJob> recovered =
        jobs.recover(new Recorder()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(recovered).as("an orphan is no job").isEmpty();
    assertThat(orphan).doesNotExist();

    Files.createDirectories(orphan); // and once more, now met by a submit
    Recorder recorder = new Recorder();
    exitOnStart = true;
    jobs.submit(spec, recorder).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(recorder.await(s -> s.status().isTerminal()).status())
        .isEqualTo(JobStatus.COMPLETED);
    assertThat(JobDirectoryStore.of(root).directory(spec.jobId()).readSpec()).isEqualTo(spec);
  }

  /**
   * Job {@code a} as a backend that died at {@code status}, before the algorithm ran, left it; its
   * next sandbox finds nothing to reattach and its algorithm exits at once.
   */
  private JobSpec leftBeforeItsAlgorithmRan(JobStatus status) throws IOException {
    JobSpec spec = Specs.spec("a");
    JobDirectoryStore.of(root)
        .create(spec, BackendJobState.of(spec.jobId(), status, java.time.Instant.now()));
    reattached = Reattached.neverRan();
    exitOnStart = true;
    return spec;
  }

  /** A new instance that has submitted {@code spec} and seen it reach {@code status}. */
  private SandboxJobs submittedUntil(JobSpec spec, JobStatus status) throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    jobs.submit(spec, recorder).toCompletableFuture().get(10, TimeUnit.SECONDS);
    recorder.await(s -> s.status() == status);
    return jobs;
  }

  /** A new instance on the same directory, recovered; its recorder hears the recovered jobs. */
  private Restarted restart() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    List<RecoveredJob> recovered =
        jobs.recover(recorder).toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Restarted(jobs, recorder, recovered);
  }

  private record Restarted(SandboxJobs jobs, Recorder recorder, List<RecoveredJob> recovered) {}

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void deletingAJobRemovesItsSandboxAndDirectory() throws Exception {
    SandboxJobs jobs = jobs();
    Recorder recorder = new Recorder();
    JobSpec spec = Specs.spec("a");
    jobs.submit(spec, recorder);
    recorder.await(s -> s.status() == JobStatus.RUNNING_ALGORITHM);

    jobs.delete(spec.jobId()).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(JobDirectoryStore.of(root).find(spec.jobId())).isEmpty();
    assertThat(sandboxes.get(0).removes).hasPositiveValue();
    assertThat(recorder.statuses()).last().isEqualTo(JobStatus.STOPPED);
  }

  /** A sandbox whose algorithm ends when the test says so, or when killed. */
  private final class FakeSandbox implements Sandbox {
    final CompletableFuture<SandboxJob.Exit> exit = new CompletableFuture<>();
    final AtomicInteger kills = new AtomicInteger();
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger removes = new AtomicInteger();
    final List<String> events = new CopyOnWriteArrayList<>();
    final CompletableFuture<SandboxJob> started = new CompletableFuture<>();

    @Override
    public void stage(SandboxJob job) throws StageFailure, SandboxJob.Abort {
      events.add("stage");
      job.configLog("staged");
      long until = System.nanoTime() + stageDelay.toNanos();
      try {
        while (System.nanoTime() < until) {
          job.checkpoint(); // a slow staging that checks for the end between steps
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxJob.Abort();
          }
        }
        job.checkpoint();
      } catch (SandboxJob.Abort e) {
        events.add("stage aborted");
        throw e;
      }
      StageFailure failure = stageFailure;
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void start(SandboxJob job) {
      events.add("start");
      starts.incrementAndGet();
      started.complete(job);
      job.configLog("started");
      if (exitOnStart) {
        exit.complete(SandboxJob.Exit.code(0));
      }
    }

    @Override
    public void watch(SandboxJob job) {
      var unused = exit.thenAcceptAsync(job::exited, job.runtime().executor());
    }

    @Override
    public void kill() {
      kills.incrementAndGet();
      exit.complete(SandboxJob.Exit.unknown("killed"));
    }

    @Override
    public Reattached reattach(SandboxJob job) {
      events.add("reattach");
      return reattached;
    }

    @Override
    public void discard(SandboxJob job) {
      events.add("discard");
      removes.incrementAndGet();
    }

    @Override
    public void collect(SandboxJob job, ResultCollector collector) throws IOException {
      collector.addOutput(
          "out.txt", 2, new ByteArrayInputStream("ok".getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void remove() {
      SandboxJobs crash = crashOnRemove;
      if (crash != null) {
        crash.close();
      }
      removes.incrementAndGet();
      kill();
    }
  }

  /** Records every update and waits for one. */
  private static class Recorder implements BackendListener {
    private final List<BackendJobState> updates = new CopyOnWriteArrayList<>();

    @Override
    public void onUpdate(BackendJobState update) {
      updates.add(update);
      synchronized (this) {
        notifyAll();
      }
    }

    List<JobStatus> statuses() {
      return updates.stream().map(BackendJobState::status).toList();
    }

    synchronized BackendJobState await(Predicate<BackendJobState> wanted)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        for (BackendJobState update : updates) {
          if (wanted.test(update)) {
            return update;
          }
        }
        long left = deadline - System.nanoTime();
        assertThat(left).as("waited 10 s; got %s", updates).isPositive();
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }
}
