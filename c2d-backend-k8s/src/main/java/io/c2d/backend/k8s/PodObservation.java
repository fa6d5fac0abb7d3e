package io.c2d.backend.k8s;

import io.c2d.model.JobStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a pod or Job of a c2d job says about the job's status, read as the kubelet and the Job
 * controller write it: which step runs, which step failed and why.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind what was seen
 * @param status the status it maps to (for {@link Kind#PROGRESS} and {@link Kind#FAILED})
 * @param exitCode the failed step's exit code, if any
 * @param detail the reason in words, if any
 */
record PodObservation(
    Kind kind, JobStatus status, @Nullable Integer exitCode, @Nullable String detail) {

  private static final Set<String> PULL_FAILURES =
      Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull");

  /** What was seen. */
  enum Kind {
    /** Nothing to report. */
    NONE,
    /** A step is under way. */
    PROGRESS,
    /** An image cannot be pulled (yet): becomes a failure after a bounded wait. */
    PULL_FAILING,
    /** The job failed. */
    FAILED,
    /** The staging step runs: it waits for the backend to upload the inputs. */
    AWAITING_INPUTS,
    /**
     * The algorithm succeeded and the publish step runs (or, with an output claim, the algorithm
     * ended well): the results can be collected.
     */
    COLLECTABLE,
    /** Every step ended well, the results were collected (by this or an earlier instance). */
    SUCCEEDED
  }

  static PodObservation none() {
    return new PodObservation(Kind.NONE, JobStatus.WARMING_UP, null, null);
  }

  static PodObservation progress(JobStatus status) {
    return new PodObservation(Kind.PROGRESS, status, null, null);
  }

  static PodObservation failed(JobStatus status, @Nullable Integer exitCode, String detail) {
    return new PodObservation(Kind.FAILED, status, exitCode, detail);
  }

  /** Reads a pod's phase and container states. */
  static PodObservation of(Pod pod) {
    PodStatus status = pod.getStatus();
    if (status == null) {
      return progress(JobStatus.JOB_STARTED);
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      // The Job controller kills pods on deadline or stop: the Job, not the dying pod, says why.
      return none();
    }
    PodObservation evicted = Containment.evicted(pod);
    if (evicted != null) {
      return evicted;
    }
    if ("DeadlineExceeded".equals(status.getReason())) {
      return failed(JobStatus.TIMED_OUT, null, "the job ran past its maximum duration");
    }
    List<ContainerStatus> inits = nonNull(status.getInitContainerStatuses());
    List<ContainerStatus> mains = nonNull(status.getContainerStatuses());
    for (ContainerStatus container : concat(inits, mains)) {
      ContainerStateWaiting waiting =
          container.getState() == null ? null : container.getState().getWaiting();
      if (waiting != null
          && waiting.getReason() != null
          && PULL_FAILURES.contains(waiting.getReason())) {
        return new PodObservation(
            Kind.PULL_FAILING,
            JobStatus.ALGORITHM_PROVISIONING_FAILED,
            null,
            "image "
                + container.getImage()
                + " of step "
                + container.getName()
                + " cannot be pulled: "
                + waiting.getReason()
                + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")"));
      }
    }
    JobStatus reached = JobStatus.JOB_STARTED;
    for (ContainerStatus container : inits) {
      ContainerStateTerminated terminated = terminated(container);
      boolean running = container.getState() != null && container.getState().getRunning() != null;
      String name = container.getName();
      if (terminated != null) {
        int exit = terminated.getExitCode() == null ? -1 : terminated.getExitCode();
        boolean oom = "OOMKilled".equals(terminated.getReason());
        if (exit != 0 || oom) {
          return failedStep(name, exit, oom, terminated.getReason(), terminated.getMessage());
        }
        reached =
            Manifests.ALGORITHM.equals(name)
                ? JobStatus.FILTERING_RESULTS
                : JobStatus.PROVISIONING_SUCCESS;
      } else if (running) {
        if (Manifests.STAGE_DATA.equals(name)) {
          return new PodObservation(
              Kind.AWAITING_INPUTS, JobStatus.CONFIGURING_VOLUMES, null, null);
        }
        reached = JobStatus.RUNNING_ALGORITHM;
        break;
      } else {
        break;
      }
    }
    ContainerStatus heldStage = named(mains, Manifests.STAGE_DATA);
    if (heldStage != null) {
      // a held pod (StagingSteps#withInlineStaging): the staging step is the first regular
      // container
      ContainerStateTerminated staged = terminated(heldStage);
      ContainerStatus algorithm = named(mains, Manifests.ALGORITHM);
      boolean algorithmStarted =
          algorithm != null
              && algorithm.getState() != null
              && (algorithm.getState().getRunning() != null
                  || algorithm.getState().getTerminated() != null);
      if (staged != null) {
        int exit = staged.getExitCode() == null ? -1 : staged.getExitCode();
        boolean oom = "OOMKilled".equals(staged.getReason());
        if ((exit != 0 || oom) && !algorithmStarted) {
          return failedStep(
              Manifests.STAGE_DATA, exit, oom, staged.getReason(), staged.getMessage());
        }
        reached = JobStatus.PROVISIONING_SUCCESS;
      } else if (!algorithmStarted
          && heldStage.getState() != null
          && heldStage.getState().getRunning() != null) {
        return new PodObservation(Kind.AWAITING_INPUTS, JobStatus.CONFIGURING_VOLUMES, null, null);
      }
    }
    for (ContainerStatus container : mains) {
      if (Manifests.ALGORITHM.equals(container.getName())) {
        // with an output claim the algorithm is the regular container: its results are on the
        // claim once it ended well, whatever became of the pod since
        ContainerStateTerminated terminated = terminated(container);
        if (terminated != null) {
          int exit = terminated.getExitCode() == null ? -1 : terminated.getExitCode();
          boolean oom = "OOMKilled".equals(terminated.getReason());
          if (exit != 0 || oom) {
            return failedStep(
                Manifests.ALGORITHM, exit, oom, terminated.getReason(), terminated.getMessage());
          }
          return new PodObservation(Kind.COLLECTABLE, JobStatus.PUBLISHING_RESULTS, null, null);
        }
        if (container.getState() != null && container.getState().getRunning() != null) {
          reached = JobStatus.RUNNING_ALGORITHM;
        }
        continue;
      }
      if (!Manifests.PUBLISH.equals(container.getName())) {
        continue;
      }
      ContainerStateTerminated terminated = terminated(container);
      if (terminated != null) {
        int exit = terminated.getExitCode() == null ? -1 : terminated.getExitCode();
        if (exit != 0) {
          String message = terminated.getMessage();
          return failed(
              JobStatus.RESULTS_FETCH_FAILED,
              exit,
              "the publish step failed with exit code "
                  + exit
                  + (message == null || message.isBlank() ? "" : ": " + message.trim()));
        }
        return new PodObservation(Kind.SUCCEEDED, JobStatus.COMPLETED, null, null);
      }
      if (container.getState() != null && container.getState().getRunning() != null) {
        return new PodObservation(Kind.COLLECTABLE, JobStatus.PUBLISHING_RESULTS, null, null);
      }
    }
    if ("Succeeded".equals(status.getPhase())) {
      return new PodObservation(Kind.SUCCEEDED, JobStatus.COMPLETED, null, null);
    }
    if ("Failed".equals(status.getPhase())) {
      return failed(
          JobStatus.FAILED,
          null,
          "the pod failed: " + status.getReason() + " " + nullToEmpty(status.getMessage()));
    }
    return progress(reached);
  }

  /** Reads a Job's conditions: only the Job knows of a deadline that killed its pod. */
  static PodObservation of(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return none();
    }
    for (JobCondition condition : job.getStatus().getConditions()) {
      if ("Failed".equals(condition.getType()) && "True".equals(condition.getStatus())) {
        if ("DeadlineExceeded".equals(condition.getReason())) {
          return failed(JobStatus.TIMED_OUT, null, "the job ran past its maximum duration");
        }
      }
    }
    return none();
  }

  private static PodObservation failedStep(
      String step, int exit, boolean oom, @Nullable String reason, @Nullable String message) {
    String why =
        "step "
            + step
            + " exited with code "
            + exit
            + (reason == null ? "" : " (" + reason + ")")
            + (message == null || message.isBlank() ? "" : ": " + message.trim());
    return switch (step) {
      case Manifests.STAGE_DATA -> failed(JobStatus.DATA_PROVISIONING_FAILED, exit, why);
      default ->
          oom
              ? failed(JobStatus.OUT_OF_MEMORY, exit, "the algorithm ran out of memory")
              : failed(JobStatus.ALGORITHM_FAILED, exit, "the algorithm exited with code " + exit);
    };
  }

  private static @Nullable ContainerStatus named(List<ContainerStatus> statuses, String name) {
    return statuses.stream().filter(c -> name.equals(c.getName())).findFirst().orElse(null);
  }

  private static @Nullable ContainerStateTerminated terminated(ContainerStatus container) {
    return container.getState() == null ? null : container.getState().getTerminated();
  }

  private static List<ContainerStatus> nonNull(@Nullable List<ContainerStatus> list) {
    return list == null ? List.of() : list;
  }

  private static List<ContainerStatus> concat(List<ContainerStatus> a, List<ContainerStatus> b) {
    java.util.ArrayList<ContainerStatus> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String nullToEmpty(@Nullable String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT).isEmpty() ? "" : s;
  }
}
