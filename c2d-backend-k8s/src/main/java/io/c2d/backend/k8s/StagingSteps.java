package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.spi.backend.support.SandboxContract;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The ways a job's pod can arrange its staging step, beside the steps {@link Manifests#job} builds
 * (the staging step an init container, fed by the backend's stream): <em>held</em> ({@link
 * #withInlineStaging}: the staging in the pod's spec, the step the first regular container, its
 * {@code postStart} hook holding the algorithm's container until the staging ended) and <em>without
 * a staging step</em> ({@link #unstaged}: the provider staged the job on the output claim itself),
 * and how to tell them apart on a pod.
 *
 * <p>Stateless and thread-safe.
 */
final class StagingSteps {
  /**
   * In a held pod ({@link #withInlineStaging}), the part of the {@code data} volume the algorithm
   * mounts as {@code /data/inputs}: a link out of the volume until the staging step succeeded (the
   * kubelet then refuses to make the algorithm's container, before it mounts a claim's {@code
   * subPath}), the staged {@code inputs} directory afterwards.
   */
  static final String GATED_INPUTS = ".inputs-ready";

  /**
   * The CPU of a held {@value Manifests#STAGE_DATA} (requests equal limits, so the pod stays
   * Guaranteed). At 100m the kernel's CPU quota (10 ms in each 100 ms) throttled its script and
   * {@code postStart} hook to 180–280 ms on the team's node; at 250m they take 40–95 ms, as at a
   * whole CPU.
   */
  static final String HELD_STAGE_CPU = "250m";

  /** The memory of a held {@value Manifests#STAGE_DATA} (requests equal limits). */
  static final String HELD_STAGE_MEMORY = "32Mi";

  /**
   * Where a held {@value Manifests#STAGE_DATA} mounts the output claim's {@value
   * OutputClaim#TOOLS}.
   */
  static final String CLAIM_TOOLS = "/c2d-claim-bin";

  /**
   * Copies the helper image's busybox onto the output claim unless it is there: under a name of
   * this pod's own first, then renamed, so that a pod never sees half a copy.
   */
  static final String INSTALL_TOOLS =
      "if [ ! -s "
          + CLAIM_TOOLS
          + "/busybox ]; then cp /bin/busybox "
          + CLAIM_TOOLS
          + "/.busybox-\"$HOSTNAME\" && mv -f "
          + CLAIM_TOOLS
          + "/.busybox-\"$HOSTNAME\" "
          + CLAIM_TOOLS
          + "/busybox; fi 2> /dev/null\n";

  /** The marker of a held {@value Manifests#STAGE_DATA} saying its staging ended (well or not). */
  static final String RELEASED = Manifests.CONTROL + "/released";

  /**
   * The marker of a held {@value Manifests#STAGE_DATA}'s {@code postStart} hook saying it returned.
   */
  static final String HOOKED = Manifests.CONTROL + "/hooked";

  /**
   * {@code job} with {@code base64} (a staged archive, {@link PodStaging#inline}) in its staging
   * step's environment: the step unpacks it itself, and the backend streams nothing in.
   *
   * <p>Where the algorithm is the pod's last regular container (an output claim: no publish step),
   * the pod is also <em>held</em> rather than run in steps: {@value Manifests#STAGE_DATA} becomes
   * the first regular container, with a {@code postStart} hook that returns once the staging ended.
   * The kubelet starts a pod's regular containers one after the other and makes the next one only
   * when the previous one's {@code postStart} hook returned, so the algorithm's container is made
   * exactly when the staging is done, without an init container's end to wait for (its own
   * container end and the kubelet's next status cycle, a second or more each on a busy node). Only
   * with the staging in the spec: while a {@code postStart} hook runs the kubelet reports nothing
   * new of the pod, so a step that waits for the backend's stream must stay an init container.
   *
   * <p>A hook's failure does not stop the kubelet from making the next container, so the gate is a
   * mount: the algorithm mounts {@value #GATED_INPUTS} of the {@code data} volume as {@code
   * /data/inputs}, before any claim's {@code subPath}. The staging step makes it a link out of the
   * volume first, which the kubelet refuses as a {@code subPath} (the algorithm's container is
   * never made, so a claim's path that is not there is never made in the claim either), and
   * replaces it by the staged {@code inputs} only once everything is staged and checked.
   */
  static Job withInlineStaging(Job job, String base64) {
    Job copy = new JobBuilder(job).build();
    io.fabric8.kubernetes.api.model.PodSpec pod = copy.getSpec().getTemplate().getSpec();
    for (Container c : allContainers(pod)) {
      if (Manifests.STAGE_DATA.equals(c.getName())) {
        List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
        env.add(new EnvVar(Manifests.INLINE_ENV, base64, null));
        c.setEnv(env);
      }
    }
    List<Container> mains = pod.getContainers();
    if (mains.size() == 1
        && Manifests.ALGORITHM.equals(mains.get(0).getName())
        && pod.getInitContainers().size() == 1
        && Manifests.STAGE_DATA.equals(pod.getInitContainers().get(0).getName())) {
      hold(pod, copy.getSpec().getActiveDeadlineSeconds());
    }
    return copy;
  }

  /** Makes {@code pod}'s staging step its first regular container, holding the algorithm. */
  private static void hold(io.fabric8.kubernetes.api.model.PodSpec pod, @Nullable Long deadline) {
    Container stage = pod.getInitContainers().get(0);
    Container algorithm = pod.getContainers().get(0);
    List<String> command = new ArrayList<>(stage.getCommand());
    String afterRelease = "";
    if (pod.getVolumes().stream().anyMatch(v -> Manifests.RESULTS_VOLUME.equals(v.getName()))) {
      // leaves the supervisor's busybox on the output claim, after the algorithm was let go, so
      // that later pods can run without a staging step (ClaimStaging)
      stage
          .getVolumeMounts()
          .add(
              new VolumeMountBuilder()
                  .withName(Manifests.RESULTS_VOLUME)
                  .withMountPath(CLAIM_TOOLS)
                  .withSubPath(OutputClaim.TOOLS)
                  .withReadOnly(false)
                  .build());
      afterRelease = INSTALL_TOOLS;
    }
    command.set(2, heldStageScript(command.get(2), afterRelease));
    stage.setCommand(command);
    // A regular container's requests add to the algorithm's for the pod's whole life (an init
    // container's do not), and this step only unpacks its spec and copies busybox: a small share.
    Quantity cpu = new Quantity(HELD_STAGE_CPU);
    Quantity memory = new Quantity(HELD_STAGE_MEMORY);
    stage.setResources(Manifests.guaranteed(cpu, memory));
    long bound = deadline == null ? 24 * 3600L : Math.max(1L, deadline);
    stage.setLifecycle(
        new io.fabric8.kubernetes.api.model.LifecycleBuilder()
            .withNewPostStart()
            .withNewExec()
            .withCommand("sh", "-c", holdHook(bound))
            .endExec()
            .endPostStart()
            .build());
    for (VolumeMount m : algorithm.getVolumeMounts()) {
      if (Manifests.DATA_VOLUME.equals(m.getName())
          && SandboxContract.INPUTS.equals(m.getSubPath())) {
        m.setSubPath(GATED_INPUTS);
      }
    }
    pod.setInitContainers(new ArrayList<>());
    pod.setContainers(new ArrayList<>(List.of(stage, algorithm)));
  }

  /**
   * A held staging step's script: closes the gate first, runs {@code script} (the staging), opens
   * the gate if it succeeded, says it ended, and waits (bounded) until the hook returned, so that
   * the hook never outlives its container (which the kubelet would count as the hook's failure).
   * {@code afterRelease} runs once the algorithm was let go, off its way.
   */
  static String heldStageScript(String script, String afterRelease) {
    String gate = Manifests.CONTRACT.root() + "/" + GATED_INPUTS;
    String inputs = Manifests.CONTRACT.path(SandboxContract.INPUTS);
    return "rm -rf '"
        + gate
        + "'; ln -s / '"
        + gate
        + "' || exit "
        + Manifests.EXIT_GATE
        + "\n(\n"
        + script
        + "\n); rc=$?\n"
        + "if [ $rc -eq 0 ]; then mkdir -p '"
        + inputs
        + "' && rm -f '"
        + gate
        + "' && mv '"
        + inputs
        + "' '"
        + gate
        + "' || { echo 'the staged inputs could not be handed over' >&2; rc="
        + Manifests.EXIT_GATE
        + "; }; fi\n"
        + ": > "
        + RELEASED
        + "\n"
        + afterRelease
        + "n=0; while [ ! -e "
        + HOOKED
        + " ] && [ $n -lt 600 ]; do n=$((n+1)); sleep 0.05; done\nexit $rc\n";
  }

  /** The held staging step's {@code postStart} hook: returns once the staging ended (bounded). */
  static String holdHook(long timeoutSeconds) {
    return "n=0; while [ ! -e "
        + RELEASED
        + " ]; do n=$((n+1)); if [ $n -gt "
        + timeoutSeconds * 20
        + " ]; then exit 1; fi; sleep 0.05; done; : > "
        + HOOKED;
  }

  /**
   * Whether {@code pod} is held: its staging step a regular container ({@link #withInlineStaging}).
   */
  static boolean held(io.fabric8.kubernetes.api.model.Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return false;
    }
    return pod.getSpec().getContainers().stream()
        .anyMatch(c -> Manifests.STAGE_DATA.equals(c.getName()));
  }

  /** Whether {@code pod}'s staging step unpacks its inputs from its own spec. */
  static boolean stagedInline(io.fabric8.kubernetes.api.model.Pod pod) {
    if (pod.getSpec() == null) {
      return false;
    }
    for (Container c : allContainers(pod.getSpec())) {
      if (Manifests.STAGE_DATA.equals(c.getName()) && c.getEnv() != null) {
        for (EnvVar var : c.getEnv()) {
          if (Manifests.INLINE_ENV.equals(var.getName())) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * {@code job} (with an output claim: the algorithm its only regular container) without a staging
   * step, for a job {@link ClaimStaging} staged on the output claim: the algorithm's container
   * mounts the job's directory there as {@code /data} (its {@code inputs}, {@code ddos} and {@code
   * transformations} read-only for the pods' user, its {@code outputs} and {@code logs} writable),
   * and the supervisor's busybox read-only from {@value OutputClaim#TOOLS}; the claim inputs stay
   * mounted read-only as they were (their mount points are in the staged {@code inputs}). The pod
   * runs the algorithm's container alone.
   *
   * @throws IllegalArgumentException if {@code job}'s pod is not the one of an output claim
   */
  static Job unstaged(Job job, JobId id) {
    Job copy = new JobBuilder(job).build();
    io.fabric8.kubernetes.api.model.PodSpec pod = copy.getSpec().getTemplate().getSpec();
    List<Container> mains = pod.getContainers();
    List<Container> inits = pod.getInitContainers();
    if (mains.size() != 1
        || !Manifests.ALGORITHM.equals(mains.get(0).getName())
        || inits.size() != 1
        || !Manifests.STAGE_DATA.equals(inits.get(0).getName())) {
      throw new IllegalArgumentException("not the pod of a job with an output claim");
    }
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(
        new VolumeMountBuilder()
            .withName(Manifests.RESULTS_VOLUME)
            .withMountPath(Manifests.CONTRACT.root())
            .withSubPath(OutputClaim.subPath(id))
            .withReadOnly(false)
            .build());
    for (VolumeMount m : mains.get(0).getVolumeMounts()) {
      if (Manifests.DATA_VOLUME.equals(m.getName())
          || Manifests.RESULTS_VOLUME.equals(m.getName())) {
        continue; // parts of the job's directory, mounted whole above
      }
      if (Containment.VOLUME.equals(m.getName())) {
        m.setName(Manifests.RESULTS_VOLUME);
        m.setSubPath(OutputClaim.TOOLS);
        m.setReadOnly(true);
      }
      mounts.add(m);
    }
    mains.get(0).setVolumeMounts(mounts);
    pod.setInitContainers(new ArrayList<>());
    List<String> unused =
        List.of(Manifests.DATA_VOLUME, Manifests.CONTROL_VOLUME, Containment.VOLUME);
    pod.setVolumes(
        new ArrayList<>(
            pod.getVolumes().stream().filter(v -> !unused.contains(v.getName())).toList()));
    return copy;
  }

  /** Whether {@code pod} has a staging step (all but those {@link #unstaged} made). */
  static boolean hasStagingStep(io.fabric8.kubernetes.api.model.Pod pod) {
    return pod.getSpec() != null
        && allContainers(pod.getSpec()).stream()
            .anyMatch(c -> Manifests.STAGE_DATA.equals(c.getName()));
  }

  private static List<Container> allContainers(io.fabric8.kubernetes.api.model.PodSpec pod) {
    List<Container> all = new ArrayList<>();
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    if (pod.getContainers() != null) {
      all.addAll(pod.getContainers());
    }
    return all;
  }

  private StagingSteps() {}
}
