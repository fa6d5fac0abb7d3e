package io.c2d.backend.k8s;

import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits a job: creates its NetworkPolicy (also its record: the spec in an annotation) and its
 * Job. Every object is created or, when it already exists (a submit retried after a lost response,
 * or by another instance), adopted; a job whose record holds an end is reported as ended, not run
 * again. A job whose inputs cannot be provided ends {@code DATA_PROVISIONING_FAILED} before any pod
 * exists (a PersistentVolumeClaim that does not exist or is not Bound, a path in it that may not be
 * used, or, on a claim this provider sees, that cannot be read), the end recorded in its record. A
 * job {@link ClaimStaging} can stage on the output claim gets a pod without a staging step.
 *
 * <p>Thread-safe; {@link #submit} blocks on the API server.
 */
final class JobSubmitter {
  private static final Logger log = LoggerFactory.getLogger(JobSubmitter.class);

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
      NetworkPolicy existing =
          cluster.retrying(
              "reading the record of job " + id,
              () ->
                  client
                      .network()
                      .v1()
                      .networkPolicies()
                      .inNamespace(namespace)
                      .withName(names.networkPolicy())
                      .get());
      if (existing != null) {
        BackendJobState state = JobRecord.end(existing);
        if (state != null) {
          fresh.state = state;
          tracker.later(() -> tracker.emit(fresh, state));
          return;
        }
      } else {
        Manifests.Settings manifests;
        BackendJobState refused = null;
        try {
          manifests = settings.manifests(spec);
          refused = checkFiles(spec);
          if (refused == null) {
            refused = checkClaims(spec, manifests.claims());
          }
        } catch (IllegalArgumentException e) {
          refused = failed(id, String.valueOf(e.getMessage()));
        }
        NetworkPolicy record = Manifests.networkPolicy(spec);
        NetworkPolicy toCreate = refused == null ? record : JobRecord.withEnd(record, refused);
        cluster.createOrAdopt(
            "NetworkPolicy " + names.networkPolicy(),
            () ->
                client
                    .network()
                    .v1()
                    .networkPolicies()
                    .inNamespace(namespace)
                    .resource(toCreate)
                    .create());
        if (refused != null) {
          BackendJobState end = refused;
          fresh.state = end;
          tracker.later(() -> tracker.emit(fresh, end));
          return;
        }
      }
      createJob(spec);
      tracker.later(() -> tracker.reconcile(fresh));
    } catch (RuntimeException e) {
      tracker.untrack(fresh);
      throw e;
    }
  }

  /**
   * The failure of a job with a local input or algorithm file that cannot be read, or null: checked
   * before any pod exists, so that such a job leaves nothing behind but its record. (Remote inputs
   * are fetched, and claims checked, later.)
   */
  private @Nullable BackendJobState checkFiles(JobSpec spec) {
    for (DatasetInput dataset : spec.datasets()) {
      List<FileLocator> files = dataset.locators();
      for (int n = 0; n < files.size(); n++) {
        FileLocator file = files.get(n);
        String why = file.kind() == FileLocator.Kind.FILE ? unreadable(file.uri()) : null;
        if (why != null) {
          return failed(spec.jobId(), "dataset " + dataset.did() + " file " + n + ": " + why);
        }
      }
    }
    if (spec.algorithm().rawCode().isEmpty()) {
      List<URI> files = spec.algorithm().files();
      for (int n = 0; n < files.size(); n++) {
        String why = unreadable(files.get(n));
        if (why != null) {
          return new BackendJobState(
              spec.jobId(),
              JobStatus.ALGORITHM_PROVISIONING_FAILED,
              null,
              "algorithm file " + n + ": " + why,
              List.of(),
              clock.instant());
        }
      }
    }
    return null;
  }

  private static @Nullable String unreadable(URI file) {
    if (!"file".equalsIgnoreCase(file.getScheme())) {
      return "the Kubernetes backend stages local files as file: URIs only, not "
          + (file.getScheme() == null ? "a relative URI" : file.getScheme() + ": URIs");
    }
    try {
      Path path = Path.of(file);
      return Files.isRegularFile(path) && Files.isReadable(path)
          ? null
          : "not a readable regular file";
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      return "not a usable file: URI";
    }
  }

  /** The failure of a job whose claims cannot be mounted, or null if they all can. */
  private @Nullable BackendJobState checkClaims(JobSpec spec, List<Manifests.ClaimInput> claims) {
    for (Manifests.ClaimInput input : claims) {
      PersistentVolumeClaim claim =
          cluster.retrying(
              "reading PersistentVolumeClaim " + input.claim(),
              () ->
                  cluster
                      .client()
                      .persistentVolumeClaims()
                      .inNamespace(cluster.namespace())
                      .withName(input.claim())
                      .get());
      if (claim == null) {
        return failed(
            spec.jobId(),
            input.what()
                + ": PersistentVolumeClaim "
                + input.claim()
                + " does not exist in namespace "
                + cluster.namespace());
      }
      String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
      if (!"Bound".equals(phase)) {
        return failed(
            spec.jobId(),
            input.what()
                + ": PersistentVolumeClaim "
                + input.claim()
                + " is "
                + (phase == null ? "not bound" : phase)
                + ", not Bound");
      }
      Path seen = settings.visibleClaims().get(input.claim());
      String unreadable = seen == null ? null : ClaimStaging.unreadable(input, seen);
      if (unreadable != null) {
        return failed(spec.jobId(), unreadable);
      }
    }
    return null;
  }

  private BackendJobState failed(JobId id, String detail) {
    return new BackendJobState(
        id, JobStatus.DATA_PROVISIONING_FAILED, null, detail, List.of(), clock.instant());
  }

  /** Creates the job's Job, or adopts the one that exists. */
  void createJob(JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    KubernetesClient client = cluster.client();
    String namespace = cluster.namespace();
    Manifests.Settings manifests = settings.manifests(spec);
    Job built = Manifests.job(spec, manifests);
    OutputClaim outputClaim = settings.outputClaim();
    if (outputClaim != null) {
      try {
        outputClaim.prepare(spec.jobId());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "could not make the directory of job "
                + spec.jobId()
                + " on output claim "
                + outputClaim.claim()
                + " at "
                + outputClaim.localRoot(),
            e);
      }
    }
    Job job;
    if (outputClaim != null
        && ClaimStaging.possible(outputClaim, manifests.claims(), settings.visibleClaims())
        && tracker.stagedOnClaim(spec, outputClaim, manifests.claims(), settings.visibleClaims())) {
      job = StagingSteps.unstaged(built, spec.jobId());
    } else {
      String inline = tracker.inlineStaging(spec);
      if (inline != null && outputClaim != null) {
        try {
          outputClaim.prepareTools();
        } catch (IOException e) {
          // the held pod then leaves no busybox behind, and later pods stay held
          log.warn(
              "could not make {} on output claim {}", OutputClaim.TOOLS, outputClaim.claim(), e);
        }
      }
      job = inline == null ? built : StagingSteps.withInlineStaging(built, inline);
    }
    cluster.createOrAdopt(
        "Job " + names.job(),
        () -> {
          Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
          reaper.learnTtlSupport(created);
          return created;
        });
  }
}
