package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.List;

/**
 * Stops and deletes jobs. A stop removes the job's Job and pods and records the job as {@code
 * STOPPED}; a delete removes every object of the job and its results, and a job it removes while it
 * runs ends {@code STOPPED} (reported, not recorded: the record is gone). Both return once the
 * informers confirm the objects are gone (at most {@link BackendThreads#CLOSE_GRACE}).
 *
 * <p>Thread-safe; both calls block on the API server.
 */
final class JobRemoval {
  private final Cluster cluster;
  private final ResultArea area;
  private final Clock clock;
  private final Informers informers;
  private final StatusTracker tracker;

  JobRemoval(
      Cluster cluster, ResultArea area, Clock clock, Informers informers, StatusTracker tracker) {
    this.cluster = cluster;
    this.area = area;
    this.clock = clock;
    this.informers = informers;
    this.tracker = tracker;
  }

  /** Stops job {@code id} if this instance tracks it and it has not ended. */
  void stop(JobId id) {
    TrackedJob t = tracker.get(id);
    if (t == null || t.state.status().isTerminal()) {
      return;
    }
    t.stopping = true;
    cluster.deleteJob(id, DeletionPropagation.FOREGROUND);
    // Foreground propagation has the garbage collector remove the pod first; deleting it by
    // label as well also covers clusters (and mock servers) with no garbage collector.
    cluster.deletePods(id);
    informers.awaitGone(id);
    BackendJobState stopped =
        new BackendJobState(
            id, JobStatus.STOPPED, null, "stopped on request", List.of(), clock.instant());
    tracker.onEventThread(() -> tracker.terminate(t, stopped));
  }

  /** Deletes every object and result of job {@code id}, tracked or not. */
  void delete(JobId id) {
    TrackedJob t = tracker.untrack(id);
    if (t != null) {
      t.stopping = true;
    }
    ObjectNames names = ObjectNames.of(id);
    KubernetesClient client = cluster.client();
    String namespace = cluster.namespace();
    cluster.retrying(
        "deleting the objects of job " + id,
        () -> {
          cluster.deleteJob(id, DeletionPropagation.FOREGROUND);
          cluster.deletePods(id);
          client
              .network()
              .v1()
              .networkPolicies()
              .inNamespace(namespace)
              .withName(names.networkPolicy())
              .delete();
          return null;
        });
    informers.awaitGone(id);
    area.delete(id);
    if (t != null) {
      // The engine frees the job's capacity on its end: a deleted running job ends STOPPED.
      // Not recorded in the cluster: the record that would hold it is gone.
      BackendJobState deleted =
          new BackendJobState(
              id, JobStatus.STOPPED, null, "deleted on request", List.of(), clock.instant());
      tracker.onEventThread(
          () -> {
            if (!t.state.status().isTerminal()) {
              t.state = deleted;
              tracker.emit(t, deleted);
            }
          });
    }
  }
}
