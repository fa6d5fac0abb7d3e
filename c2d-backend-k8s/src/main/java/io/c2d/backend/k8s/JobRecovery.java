package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every job of the namespace again from the cluster alone, as a new backend instance must:
 * each c2d NetworkPolicy is a job's record; one with a recorded end is ended (its finished Job is
 * removed later where the cluster does not), and any other is tracked again from its pods' current
 * state. A job whose algorithm never started is not failed for the restart but run from the start:
 * its Job is created if the restart came before it was (one name per job, so never two), and a pod
 * whose staging failed while no backend ran (an input stream the restart cut) is removed with its
 * Job, which is then created again once both are gone. Only a job whose Job vanished unended after
 * its algorithm may have run (no pod of it tells otherwise) has failed.
 *
 * <p>A Job's {@code activeDeadlineSeconds} counts from the Job's start, the time no provider ran
 * included: a job whose algorithm is not running (not started yet, or ended and waiting to be
 * collected) gets from now on the room it still needs, so that time lost to restarts never times it
 * out ({@link #extendedDeadline}). A running algorithm keeps its deadline.
 *
 * <p>One job never costs the others their recovery: a job the API server keeps failing to resume is
 * reported as found and resumed again later, and a record whose end cannot be read is reported
 * failed (it ended, but how is lost).
 *
 * <p>Thread-safe; {@link #recover} blocks on the API server.
 */
final class JobRecovery {
  private static final Logger log = LoggerFactory.getLogger(JobRecovery.class);
  private static final Duration GONE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration RESUME_RETRY_MAX = Duration.ofSeconds(30);

  private final Cluster cluster;
  private final Clock clock;
  private final Informers informers;
  private final StatusTracker tracker;
  private final FinishedJobReaper reaper;
  private final JobSubmitter submitter;
  private final Duration transferTimeout;
  private final BackendThreads threads;

  JobRecovery(
      Cluster cluster,
      BackendThreads threads,
      Clock clock,
      Informers informers,
      StatusTracker tracker,
      FinishedJobReaper reaper,
      JobSubmitter submitter,
      Duration transferTimeout) {
    this.transferTimeout = transferTimeout;
    this.threads = threads;
    this.cluster = cluster;
    this.clock = clock;
    this.informers = informers;
    this.tracker = tracker;
    this.reaper = reaper;
    this.submitter = submitter;
  }

  /** Recovers every job, reporting to {@code listener} from now on. */
  List<RecoveredJob> recover(BackendListener listener) {
    informers.ensureStarted();
    KubernetesClient client = cluster.client();
    String namespace = cluster.namespace();
    List<NetworkPolicy> records =
        cluster.retrying(
            "listing the jobs in namespace " + namespace,
            () ->
                client
                    .network()
                    .v1()
                    .networkPolicies()
                    .inNamespace(namespace)
                    .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                    .list()
                    .getItems());
    Map<String, Job> jobsByName = new HashMap<>();
    for (Job job :
        cluster.retrying(
            "listing the Jobs in namespace " + namespace,
            () ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                    .list()
                    .getItems())) {
      jobsByName.put(job.getMetadata().getName(), job);
    }
    List<RecoveredJob> recovered = new ArrayList<>();
    for (NetworkPolicy record : records) {
      JobSpec spec;
      try {
        spec = JobRecord.spec(record);
      } catch (RuntimeException e) {
        log.warn(
            "NetworkPolicy {} has no readable job spec; skipped",
            record.getMetadata().getName(),
            e);
        continue;
      }
      JobId id = spec.jobId();
      TrackedJob t =
          tracker.track(
              id,
              k -> {
                TrackedJob fresh =
                    new TrackedJob(
                        spec,
                        listener,
                        BackendJobState.of(id, JobStatus.WARMING_UP, clock.instant()));
                // the informers' news about it waits until its Job and pods match its record
                fresh.resuming = true;
                return fresh;
              });
      t.listener = listener;
      BackendJobState end = recordedEnd(record, id);
      if (end != null) {
        t.state = end;
        t.resuming = false;
        Job finished = jobsByName.get(ObjectNames.of(id).job());
        reaper.learnTtlSupport(finished);
        if (finished != null) {
          reaper.removeLater(id, t.state.at());
        }
      } else if (!t.state.status().isTerminal()) {
        resumeOrRetry(t, 1);
      }
      recovered.add(new RecoveredJob(t.spec, t.state));
    }
    return List.copyOf(recovered);
  }

  /**
   * The end recorded in {@code record}, or null if none is. A record whose end cannot be read
   * (written by another version, or edited by hand) belongs to a job that ended without saying how:
   * it is reported failed with that reason, rather than run again or dropped.
   */
  private @Nullable BackendJobState recordedEnd(NetworkPolicy record, JobId id) {
    try {
      return JobRecord.end(record);
    } catch (RuntimeException e) {
      log.error("job {} has a recorded end that cannot be read; it is reported failed", id, e);
      return new BackendJobState(
          id,
          JobStatus.FAILED,
          null,
          "the job ended, but its recorded end could not be read after a restart",
          List.of(),
          clock.instant());
    }
  }

  /**
   * Resumes {@code t}; if the API server fails it beyond {@link Cluster#retrying}'s retries, tries
   * again later (waiting longer each time, at most {@link #RESUME_RETRY_MAX}) instead of failing
   * the recovery of every job: the job stays tracked, unreported, until its Job and pods match its
   * record, or until it is stopped or deleted meanwhile.
   */
  private void resumeOrRetry(TrackedJob t, int attempt) {
    JobId id = t.spec.jobId();
    if (t.stopping || t.state.status().isTerminal()) {
      t.resuming = false;
      return;
    }
    try {
      resume(t);
    } catch (RuntimeException e) {
      long seconds = Math.min(RESUME_RETRY_MAX.toSeconds(), 1L << Math.min(attempt - 1, 10));
      log.warn(
          "resuming job {} failed (attempt {}); trying again in {} s", id, attempt, seconds, e);
      try {
        var unused =
            threads
                .events()
                .schedule(
                    () -> threads.io().execute(() -> resumeOrRetry(t, attempt + 1)),
                    seconds,
                    TimeUnit.SECONDS);
      } catch (RejectedExecutionException closed) {
        log.debug("backend closed; job {} is resumed by the next instance's recovery", id);
      }
      return;
    }
    if (t.stopping) {
      // stopped or deleted while it was resumed: a Job made again meanwhile must not run
      try {
        cluster.deleteJob(id, DeletionPropagation.FOREGROUND);
        cluster.deletePods(id);
      } catch (RuntimeException e) {
        log.warn("could not remove the Job of job {}, stopped while it was resumed", id, e);
      }
      return;
    }
    t.resuming = false;
    tracker.later(() -> tracker.reconcile(t));
  }

  /**
   * Brings a job with no recorded end in line with its record: runs it from the start if its
   * algorithm never started and its Job is missing or failed in staging; else gives its Job the
   * deadline the restart's lost time calls for and takes on its pods' progress. Its pods' and Job's
   * later news is for {@link StatusTracker#reconcile} once this returns.
   */
  private void resume(TrackedJob t) {
    JobId id = t.spec.jobId();
    Job job = cluster.retrying("reading Job of " + id, () -> cluster.job(id));
    if (job == null) {
      // no pod can have run without its Job: the restart came between the record and the Job
      // (a Job removed by its TTL had ended, and its end would have been recorded before)
      log.info("job {} has a record but no Job: creating it, the job runs from the start", id);
      submitter.createJob(t.spec);
      return;
    }
    List<Pod> pods = cluster.podsOf(id);
    if (!pods.isEmpty() && pods.stream().allMatch(JobRecovery::failedBeforeTheAlgorithm)) {
      log.info(
          "job {} failed in staging while no backend ran (its input stream cut by the restart):"
              + " running it again from the start",
          id);
      cluster.deleteJob(id, DeletionPropagation.FOREGROUND);
      cluster.deletePods(id);
      awaitGone(id);
      submitter.createJob(t.spec);
      return;
    }
    Long deadline =
        extendedDeadline(
            job,
            pods,
            clock.instant(),
            t.spec.maxDuration().toSeconds(),
            Math.max(1, transferTimeout.toSeconds()));
    if (deadline != null) {
      log.info(
          "job {} lost time to the restart before or after its algorithm ran: its Job's deadline"
              + " is now {} s from its start",
          id,
          deadline);
      long seconds = deadline;
      cluster.retrying(
          "extending the deadline of the Job of " + id,
          () ->
              cluster
                  .jobOf(id)
                  .edit(
                      j ->
                          new JobBuilder(j)
                              .editSpec()
                              .withActiveDeadlineSeconds(seconds)
                              .endSpec()
                              .build()));
    }
    for (Pod pod : pods) {
      PodObservation seen = PodObservation.of(pod);
      if (seen.kind() == PodObservation.Kind.PROGRESS
          && t.state.status().canMoveTo(seen.status())) {
        t.state = BackendJobState.of(id, seen.status(), clock.instant());
      }
    }
  }

  /**
   * The {@code activeDeadlineSeconds} {@code job} needs now, or null to keep its own: none while an
   * algorithm of it runs (its limit stands); while none has started, the time the Job has existed
   * plus staging, the maximum duration and collection ({@code transferSeconds} each way); once one
   * has ended, that time plus collection. Never shorter than the Job's own deadline.
   */
  static @Nullable Long extendedDeadline(
      Job job, List<Pod> pods, Instant now, long maxDurationSeconds, long transferSeconds) {
    boolean ended = false;
    for (Pod pod : pods) {
      ContainerState state = algorithmState(pod);
      if (state != null && state.getRunning() != null) {
        return null;
      }
      ended |= state != null && state.getTerminated() != null;
    }
    Instant start = startOf(job);
    long existed = start == null ? 0 : Math.max(0, Duration.between(start, now).toSeconds());
    // the slack covers the kubelet's and the controller's own delays between the steps
    long slack = 30;
    long wanted =
        existed + slack + (ended ? transferSeconds : maxDurationSeconds + 2 * transferSeconds);
    Long current = job.getSpec() == null ? null : job.getSpec().getActiveDeadlineSeconds();
    return current != null && current >= wanted ? null : Long.valueOf(wanted);
  }

  private static @Nullable ContainerState algorithmState(Pod pod) {
    if (pod.getStatus() == null) {
      return null;
    }
    List<ContainerStatus> all = new ArrayList<>();
    if (pod.getStatus().getInitContainerStatuses() != null) {
      all.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      all.addAll(pod.getStatus().getContainerStatuses());
    }
    for (ContainerStatus status : all) {
      if (Manifests.ALGORITHM.equals(status.getName())) {
        return status.getState();
      }
    }
    return null;
  }

  /** When the Job started counting its deadline: its start time, else its creation. */
  private static @Nullable Instant startOf(Job job) {
    Instant started = DeadlineWatch.startTime(job);
    if (started != null || job.getMetadata() == null) {
      return started;
    }
    return DeadlineWatch.timestamp(job.getMetadata().getCreationTimestamp());
  }

  /** Whether the pod's staging step failed, so its algorithm's container never started. */
  static boolean failedBeforeTheAlgorithm(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
      return false;
    }
    boolean stagingFailed = false;
    for (ContainerStatus status : pod.getStatus().getInitContainerStatuses()) {
      ContainerState state = status.getState();
      if (Manifests.STAGE_DATA.equals(status.getName())) {
        stagingFailed =
            state != null
                && state.getTerminated() != null
                && !Integer.valueOf(0).equals(state.getTerminated().getExitCode());
      } else if (Manifests.ALGORITHM.equals(status.getName())) {
        boolean started =
            state != null && (state.getRunning() != null || state.getTerminated() != null);
        if (started
            || (status.getLastState() != null && status.getLastState().getTerminated() != null)) {
          return false;
        }
      }
    }
    return stagingFailed;
  }

  /** Waits until the job's Job and pods are gone, so that the Job's name can be used again. */
  private void awaitGone(JobId id) {
    long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (cluster.retrying("reading Job of " + id, () -> cluster.job(id)) == null
          && cluster.podsOf(id).isEmpty()) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the Job of " + id + " was removed", e);
      }
    }
    throw new IllegalStateException(
        "the failed Job of " + id + " was not removed within " + GONE_TIMEOUT);
  }
}
