package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Submits a job: stages its inputs into its Secret, then creates its NetworkPolicy and Job. Every
 * object is created or, when it already exists (a submit retried after a lost response, or by
 * another instance), adopted; a job whose Secret records an end is reported as ended, not run
 * again. A job whose inputs cannot be staged ends {@code DATA_PROVISIONING_FAILED}, recorded in its
 * Secret.
 *
 * <p>Thread-safe; {@link #submit} blocks on the API server.
 */
final class JobSubmitter {
  private final Cluster cluster;
  private final JobSettings settings;
  private final Clock clock;
  private final Informers informers;
  private final StatusTracker tracker;
  private final FinishedJobReaper reaper;

  JobSubmitter(
      Cluster cluster,
      JobSettings settings,
      Clock clock,
      Informers informers,
      StatusTracker tracker,
      FinishedJobReaper reaper) {
    this.cluster = cluster;
    this.settings = settings;
    this.clock = clock;
    this.informers = informers;
    this.tracker = tracker;
    this.reaper = reaper;
  }

  /** Submits {@code spec}, or reports again to {@code listener} on a job already known. */
  void submit(JobSpec spec, BackendListener listener) {
    JobId id = spec.jobId();
    TrackedJob fresh =
        new TrackedJob(
            spec, listener, BackendJobState.of(id, JobStatus.WARMING_UP, clock.instant()));
    TrackedJob known = tracker.trackIfAbsent(fresh);
    if (known != null) {
      known.listener = listener;
      tracker.later(() -> tracker.emit(known, known.state));
      return;
    }
    try {
      informers.ensureStarted();
      ObjectNames names = ObjectNames.of(id);
      KubernetesClient client = cluster.client();
      String namespace = cluster.namespace();
      Secret existing =
          Cluster.retrying(
              "reading the Secret of job " + id,
              () -> client.secrets().inNamespace(namespace).withName(names.spec()).get());
      if (existing != null) {
        BackendJobState state = JobRecord.end(existing);
        if (state != null) {
          fresh.state = state;
          tracker.later(() -> tracker.emit(fresh, state));
          return;
        }
      } else {
        Map<String, byte[]> staged;
        try {
          staged = InputStager.stage(spec);
        } catch (IOException | RuntimeException e) {
          BackendJobState failed =
              new BackendJobState(
                  id,
                  JobStatus.DATA_PROVISIONING_FAILED,
                  null,
                  "staging the inputs failed: " + e.getMessage(),
                  List.of(),
                  clock.instant());
          Secret record = JobRecord.withEnd(Manifests.secret(spec, Map.of()), failed);
          Cluster.createOrAdopt(
              "Secret " + names.spec(),
              () -> client.secrets().inNamespace(namespace).resource(record).create());
          fresh.state = failed;
          tracker.later(() -> tracker.emit(fresh, failed));
          return;
        }
        Secret secret = Manifests.secret(spec, staged);
        Cluster.createOrAdopt(
            "Secret " + names.spec(),
            () -> client.secrets().inNamespace(namespace).resource(secret).create());
      }
      createChildren(spec);
      tracker.later(() -> tracker.reconcile(fresh));
    } catch (RuntimeException e) {
      tracker.untrack(fresh);
      throw e;
    }
  }

  private void createChildren(JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    KubernetesClient client = cluster.client();
    String namespace = cluster.namespace();
    Cluster.createOrAdopt(
        "NetworkPolicy " + names.networkPolicy(),
        () ->
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(namespace)
                .resource(Manifests.networkPolicy(spec))
                .create());
    Job job = Manifests.job(spec, settings.manifests(spec));
    Cluster.createOrAdopt(
        "Job " + names.job(),
        () -> {
          Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
          reaper.learnTtlSupport(created);
          return created;
        });
  }
}
