package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.StageFailure;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs this backend instance tracks, and their status. Turns what the cluster says about a
 * job's pod and Job into the job's status: progress is reported as it comes, an image that still
 * cannot be pulled after the image-pull timeout fails the job, and an end has the {@link
 * ResultCollector} collect the results before it is recorded in the job's record (its
 * NetworkPolicy) and reported. A staging step that waits has {@link PodStaging} stream the inputs
 * in; a publish step that waits has the results streamed out, then is released.
 *
 * <p>Thread-safe: status decisions and reports happen on the event thread only (collection on an
 * I/O thread); {@link #onPod}, {@link #onJob}, {@link #reconcile}, {@link #terminate} and {@link
 * #emit} must be called on the event thread.
 */
final class StatusTracker {
  private static final Logger log = LoggerFactory.getLogger(StatusTracker.class);

  /** How often this instance tries to open the stream of a job's inputs into its pod. */
  private static final int MAX_UPLOAD_ATTEMPTS = 3;

  private final Cluster cluster;
  private final BackendThreads threads;
  private final ConcurrentMap<JobId, TrackedJob> jobs = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration imagePullTimeout;
  private final ResultCollector collector;
  private final FinishedJobReaper reaper;
  private final PodStaging staging;
  private final ResultArea area;

  StatusTracker(
      Cluster cluster,
      BackendThreads threads,
      Clock clock,
      Duration imagePullTimeout,
      ResultCollector collector,
      FinishedJobReaper reaper,
      PodStaging staging,
      ResultArea area) {
    this.cluster = cluster;
    this.threads = threads;
    this.clock = clock;
    this.imagePullTimeout = imagePullTimeout;
    this.collector = collector;
    this.reaper = reaper;
    this.staging = staging;
    this.area = area;
  }

  /**
   * {@code spec}'s staged archive for the pod's spec when it holds nothing of a dataset ({@link
   * PodStaging#inline}), its steps in the configuration log; else null.
   */
  @Nullable String inlineStaging(JobSpec spec) {
    try {
      JobDirectory directory = area.directory(spec.jobId());
      return staging.inline(spec, directory, configLog(spec, directory));
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Whether {@code spec} was staged on {@code output} for a pod without a staging step ({@link
   * ClaimStaging}), its steps in the configuration log; false if its pod needs the step.
   */
  boolean stagedOnClaim(
      JobSpec spec,
      OutputClaim output,
      List<Manifests.ClaimInput> claims,
      Map<String, Path> visible) {
    try {
      JobDirectory directory = area.directory(spec.jobId());
      return ClaimStaging.stage(
          spec, directory, output, claims, visible, staging, configLog(spec, directory));
    } catch (IOException e) {
      log.warn("could not stage job {} on the output claim", spec.jobId(), e);
      return false;
    }
  }

  private Consumer<String> configLog(JobSpec spec, JobDirectory directory) {
    return line -> {
      try {
        directory.appendConfigurationLog(clock.instant() + " " + line);
      } catch (IOException e) {
        log.warn("could not write the configuration log of job {}", spec.jobId(), e);
      }
    };
  }

  /** The job tracked as {@code id}, or null. */
  @Nullable TrackedJob get(JobId id) {
    return jobs.get(id);
  }

  /** Tracks {@code fresh} unless a job is tracked as its id; returns that job, else null. */
  @Nullable TrackedJob trackIfAbsent(TrackedJob fresh) {
    return jobs.putIfAbsent(fresh.spec.jobId(), fresh);
  }

  /** The job tracked as {@code id}, tracking the one {@code fresh} makes if there is none. */
  TrackedJob track(JobId id, Function<JobId, TrackedJob> fresh) {
    return jobs.computeIfAbsent(id, fresh);
  }

  /** Stops tracking {@code t} (unless another job is tracked as its id by now). */
  void untrack(TrackedJob t) {
    jobs.remove(t.spec.jobId(), t);
  }

  /** Stops tracking job {@code id}; returns the job that was tracked, or null. */
  @Nullable TrackedJob untrack(JobId id) {
    return jobs.remove(id);
  }

  /** Runs {@code task} on the event thread, later. */
  void later(Runnable task) {
    threads.events().execute(task);
  }

  /** Runs {@code task} on the event thread and waits for it. */
  void onEventThread(Runnable task) {
    CompletableFuture.runAsync(task, threads.events()).join();
  }

  /** Catches up with the job's pods and Job as they are now. */
  void reconcile(TrackedJob t) {
    for (Pod pod : cluster.podsOf(t.spec.jobId())) {
      onPod(pod);
    }
    Job job = cluster.job(t.spec.jobId());
    if (job != null) {
      onJob(job);
    }
  }

  void onJob(Job job) {
    TrackedJob t = trackedOf(job.getMetadata().getLabels());
    if (t == null) {
      return;
    }
    PodObservation seen = PodObservation.of(job);
    if (seen.kind() == PodObservation.Kind.FAILED) {
      finish(t, seen, null);
      return;
    }
    Instant deadline = DeadlineWatch.deadline(job);
    if (deadline != null && !t.deadlineWatched) {
      t.deadlineWatched = true;
      checkDeadlineAt(t, deadline.plus(DeadlineWatch.GRACE));
    }
  }

  /** Looks at the deadline of {@code t}'s Job at {@code when} ({@link DeadlineWatch}). */
  private void checkDeadlineAt(TrackedJob t, Instant when) {
    long delay = Math.max(0L, Duration.between(clock.instant(), when).toNanos());
    try {
      @SuppressWarnings("FutureReturnValueIgnored") // it reschedules or ends itself
      Object unused =
          threads
              .events()
              .schedule(
                  () -> threads.io().execute(() -> checkDeadline(t)), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("deadline check of job {} after close dropped", t.spec.jobId(), e);
    }
  }

  /**
   * On an I/O thread: touches the Job of {@code t} if it runs past its deadline, and ends the job
   * as timed out if the Job controller still did not {@link DeadlineWatch#TAKE_OVER} after it.
   */
  private void checkDeadline(TrackedJob t) {
    JobId id = t.spec.jobId();
    if (!stillOpen(t)) {
      return;
    }
    Instant next;
    try {
      Job job = cluster.job(id);
      Instant deadline = job == null ? null : DeadlineWatch.deadline(job);
      if (deadline == null) {
        return; // gone, or ended: its own news says the rest
      }
      Instant now = clock.instant();
      Instant due = deadline.plus(DeadlineWatch.GRACE);
      if (now.isBefore(due)) {
        next = due;
      } else if (t.resuming) {
        next = now.plus(DeadlineWatch.RECHECK);
      } else if (now.isBefore(deadline.plus(DeadlineWatch.TAKE_OVER))) {
        log.info(
            "job {} runs past its deadline ({}) and its Job is not failed: touching it so that the"
                + " Job controller looks again",
            id,
            deadline);
        DeadlineWatch.touch(cluster, id, now);
        next = now.plus(DeadlineWatch.RECHECK);
      } else {
        List<Pod> pods = cluster.podsOf(id);
        Pod pod = pods.isEmpty() ? null : pods.get(0);
        log.warn(
            "job {} still runs {} after its deadline ({}): the Job controller did not end it,"
                + " this backend does",
            id,
            DeadlineWatch.TAKE_OVER,
            deadline);
        threads.post(
            () -> {
              if (stillOpen(t)) {
                t.removePod = true;
                finish(
                    t,
                    PodObservation.failed(
                        JobStatus.TIMED_OUT,
                        null,
                        "the job ran past its maximum duration (ended by this backend: its Job"
                            + " was still active "
                            + DeadlineWatch.TAKE_OVER
                            + " after its deadline)"),
                    pod);
              }
            });
        return;
      }
    } catch (RuntimeException e) {
      log.warn("could not look at the deadline of job {}", id, e);
      next = clock.instant().plus(DeadlineWatch.RECHECK);
    }
    checkDeadlineAt(t, next);
  }

  /** Whether {@code t} is still the job tracked as its id, and neither ending nor stopped. */
  private boolean stillOpen(TrackedJob t) {
    return jobs.get(t.spec.jobId()) == t
        && !t.finishing
        && !t.stopping
        && !t.state.status().isTerminal();
  }

  void onPod(Pod pod) {
    TrackedJob t = trackedOf(pod.getMetadata().getLabels());
    if (t == null) {
      return;
    }
    PodObservation seen = PodObservation.of(pod);
    switch (seen.kind()) {
      case NONE -> {}
      case PROGRESS -> {
        t.pullingSince = null;
        advance(t, seen.status());
      }
      case PULL_FAILING -> {
        if (t.pullingSince == null) {
          Instant since = clock.instant();
          t.pullingSince = since;
          @SuppressWarnings("FutureReturnValueIgnored") // nothing to wait for: it reports itself
          Object unused =
              threads
                  .events()
                  .schedule(
                      () -> failIfStillPulling(t, since, seen, pod),
                      imagePullTimeout.toNanos(),
                      TimeUnit.NANOSECONDS);
        }
      }
      case AWAITING_INPUTS -> {
        t.pullingSince = null;
        advance(t, seen.status());
        if (!t.uploading && !StagingSteps.stagedInline(pod)) {
          t.uploading = true;
          upload(t, pod);
        }
      }
      case COLLECTABLE -> {
        advance(t, seen.status());
        finish(t, seen, pod);
      }
      case FAILED -> {
        if (seen.status() == JobStatus.DATA_PROVISIONING_FAILED && StagingSteps.held(pod)) {
          // the algorithm's container of a held pod whose staging failed is never made (its gate
          // stays closed), so the pod never ends by itself
          t.removePod = true;
        }
        finish(t, seen, pod);
      }
      case SUCCEEDED -> finish(t, seen, pod);
    }
  }

  /**
   * Streams the job's inputs into its pod on an I/O thread. A failure of this side (an input that
   * cannot be read) ends the job at once, with its pod; a stream that breaks leaves the archive
   * cut, which the pod's staging step reports as its own failure.
   */
  private void upload(TrackedJob t, Pod pod) {
    JobId id = t.spec.jobId();
    String podName = pod.getMetadata().getName();
    threads
        .io()
        .execute(
            () -> {
              try {
                JobDirectory directory = area.directory(id);
                staging.upload(
                    t.spec,
                    directory,
                    podName,
                    line -> {
                      try {
                        directory.appendConfigurationLog(clock.instant() + " " + line);
                      } catch (IOException e) {
                        log.warn("could not write the configuration log of job {}", id, e);
                      }
                    });
              } catch (StageFailure e) {
                threads.post(
                    () -> {
                      if (!t.finishing && !t.stopping && !t.state.status().isTerminal()) {
                        t.removePod = true;
                        finish(
                            t,
                            PodObservation.failed(e.status(), null, String.valueOf(e.getMessage())),
                            pod);
                      }
                    });
              } catch (IOException | RuntimeException e) {
                log.warn("streaming the inputs of job {} into pod {} failed", id, podName, e);
                // A stream that could not open leaves the staging step waiting: try again a few
                // times; one that broke midway left a cut archive, which the step reports itself.
                if (t.uploadAttempts.incrementAndGet() < MAX_UPLOAD_ATTEMPTS) {
                  var unused =
                      threads
                          .events()
                          .schedule(
                              () -> {
                                t.uploading = false;
                                reconcile(t);
                              },
                              2,
                              TimeUnit.SECONDS);
                }
              }
            });
  }

  /** Fails the job if its image has kept failing to pull since {@code since}. */
  private void failIfStillPulling(TrackedJob t, Instant since, PodObservation seen, Pod pod) {
    if (since.equals(t.pullingSince) && !t.finishing && !t.stopping) {
      finish(
          t,
          PodObservation.failed(
              JobStatus.ALGORITHM_PROVISIONING_FAILED,
              null,
              seen.detail() + ", still after " + imagePullTimeout),
          pod);
    }
  }

  private @Nullable TrackedJob trackedOf(@Nullable Map<String, String> labels) {
    String id = labels == null ? null : labels.get(ObjectNames.JOB_ID);
    if (id == null) {
      return null;
    }
    TrackedJob t = jobs.get(JobId.of(id));
    return t == null || t.stopping || t.resuming || t.finishing || t.state.status().isTerminal()
        ? null
        : t;
  }

  private void advance(TrackedJob t, JobStatus status) {
    if (t.state.status().canMoveTo(status)) {
      BackendJobState next = BackendJobState.of(t.spec.jobId(), status, clock.instant());
      t.state = next;
      emit(t, next);
    }
  }

  /**
   * Collects logs (and outputs on success) off the event thread, then records and reports the end;
   * then lets the pod's publish step end, or removes the pod of a job this side failed.
   */
  private void finish(TrackedJob t, PodObservation seen, @Nullable Pod pod) {
    t.finishing = true;
    threads
        .io()
        .execute(
            () -> {
              BackendJobState end = collector.collect(t, seen, pod);
              threads.post(
                  () -> {
                    terminate(t, end);
                    threads.io().execute(() -> afterEnd(t, seen, pod));
                  });
            });
  }

  private void afterEnd(TrackedJob t, PodObservation seen, @Nullable Pod pod) {
    if (pod != null && seen.kind() == PodObservation.Kind.COLLECTABLE) {
      collector.release(pod.getMetadata().getName());
    }
    if (t.removePod) {
      try {
        cluster.deleteJob(t.spec.jobId(), DeletionPropagation.BACKGROUND);
        // the garbage collector would remove the pods too, but it runs in the controller manager,
        // which may be what left the job running (a deadline ended by this side)
        cluster.deletePods(t.spec.jobId());
      } catch (RuntimeException e) {
        log.warn("could not remove the Job of failed job {}", t.spec.jobId(), e);
      }
    }
  }

  /**
   * Records the end in the cluster and reports it. The finished Job and its pod stay for {@code
   * ttlSecondsAfterFinished} (for {@code kubectl logs}); the record, the NetworkPolicy with the
   * spec and the end, stays until the job is deleted.
   */
  void terminate(TrackedJob t, BackendJobState end) {
    if (t.state.status().isTerminal()) {
      return;
    }
    t.state = end;
    JobId id = t.spec.jobId();
    try {
      cluster.retrying(
          "recording the end of job " + id,
          () ->
              cluster
                  .client()
                  .network()
                  .v1()
                  .networkPolicies()
                  .inNamespace(cluster.namespace())
                  .withName(ObjectNames.of(id).networkPolicy())
                  .patch(PatchContext.of(PatchType.JSON_MERGE), JobRecord.endPatch(end)));
    } catch (RuntimeException e) {
      log.warn("could not record the end of job {} in the cluster", id, e);
    }
    emit(t, end);
    reaper.removeLater(id, end.at());
  }

  /** Reports {@code state} to the job's listener; what the listener throws is logged. */
  void emit(TrackedJob t, BackendJobState state) {
    try {
      t.listener.onUpdate(state);
    } catch (RuntimeException e) {
      log.warn("listener of job {} threw", t.spec.jobId(), e);
    }
  }
}
