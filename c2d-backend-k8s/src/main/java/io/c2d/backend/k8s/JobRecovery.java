package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every job of the namespace again from the cluster alone, as a new backend instance must:
 * each c2d NetworkPolicy is a job's record; one with a recorded end is ended (its finished Job is
 * removed later where the cluster does not), one whose Job is gone with no end recorded failed, and
 * any other is tracked again from its pods' current state.
 *
 * <p>Thread-safe; {@link #recover} blocks on the API server.
 */
final class JobRecovery {
  private static final Logger log = LoggerFactory.getLogger(JobRecovery.class);

  private final Cluster cluster;
  private final Clock clock;
  private final Informers informers;
  private final StatusTracker tracker;
  private final FinishedJobReaper reaper;

  JobRecovery(
      Cluster cluster,
      Clock clock,
      Informers informers,
      StatusTracker tracker,
      FinishedJobReaper reaper) {
    this.cluster = cluster;
    this.clock = clock;
    this.informers = informers;
    this.tracker = tracker;
    this.reaper = reaper;
  }

  /** Recovers every job, reporting to {@code listener} from now on. */
  List<RecoveredJob> recover(BackendListener listener) {
    informers.ensureStarted();
    KubernetesClient client = cluster.client();
    String namespace = cluster.namespace();
    List<NetworkPolicy> records =
        Cluster.retrying(
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
        Cluster.retrying(
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
              k ->
                  new TrackedJob(
                      spec,
                      listener,
                      BackendJobState.of(id, JobStatus.WARMING_UP, clock.instant())));
      t.listener = listener;
      BackendJobState end = JobRecord.end(record);
      if (end != null) {
        t.state = end;
        Job finished = jobsByName.get(ObjectNames.of(id).job());
        reaper.learnTtlSupport(finished);
        if (finished != null) {
          reaper.removeLater(id, t.state.at());
        }
      } else if (!t.state.status().isTerminal()) {
        resume(t);
      }
      recovered.add(new RecoveredJob(t.spec, t.state));
    }
    return List.copyOf(recovered);
  }

  /** Tracks a job with no recorded end again, or ends it if its Job is gone. */
  private void resume(TrackedJob t) {
    JobId id = t.spec.jobId();
    Job job = Cluster.retrying("reading Job of " + id, () -> cluster.job(id));
    if (job == null) {
      BackendJobState lost =
          new BackendJobState(
              id,
              JobStatus.FAILED,
              null,
              "the job's Kubernetes Job is gone and no end was recorded (never created, or"
                  + " removed by its ttlSecondsAfterFinished while no backend ran)",
              List.of(),
              clock.instant());
      tracker.onEventThread(() -> tracker.terminate(t, lost));
    } else {
      for (Pod pod : cluster.podsOf(id)) {
        PodObservation seen = PodObservation.of(pod);
        if (seen.kind() == PodObservation.Kind.PROGRESS
            && t.state.status().canMoveTo(seen.status())) {
          t.state = BackendJobState.of(id, seen.status(), clock.instant());
        }
      }
      tracker.later(() -> tracker.reconcile(t));
    }
  }
}
