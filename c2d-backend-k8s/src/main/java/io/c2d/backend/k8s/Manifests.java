package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.SandboxContract;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds the Kubernetes objects of one job: the NetworkPolicy closing the pod's network, which is
 * also the job's record in the cluster (its spec and, once it ended, its end, as annotations), and
 * the {@code batch/v1} Job whose pod stages the inputs, runs the algorithm and hands the results
 * over.
 *
 * <p>Nothing of a dataset or a result is ever stored in an API object: the pod's {@code /data}
 * layout lives in {@code emptyDir} volumes (and, for PersistentVolumeClaim inputs, in the claims
 * themselves, mounted read-only). The init container {@value #STAGE_DATA} waits until the backend
 * has streamed the staged layout into it through the API server ({@code pods/exec}, a tar archive
 * on standard input: {@link PodStaging}), checks the claims' paths and ends; the init container
 * {@value #ALGORITHM} runs the algorithm; the only regular container, {@value #PUBLISH}, waits
 * until the backend has streamed {@code /data/outputs} and {@code /data/logs} out of it (again
 * through {@code pods/exec}: {@link ResultCollector}) and says so with a marker. Both waits are
 * bounded by the transfer timeout, so a pod whose backend is gone never lives forever. The markers
 * live in a small {@code emptyDir} that only the helper containers mount.
 *
 * <p>With an {@link OutputClaim}, {@code /data/outputs} and {@code /data/logs} are the job's
 * directories on that claim instead, the algorithm is the pod's only regular container (no publish
 * step: the provider takes the files from the claim once the algorithm ended), and the pod ends
 * with the algorithm. Such a pod whose staging is in its spec (nothing to stream in) is held rather
 * than run in steps: {@value #STAGE_DATA} is its first regular container, and its {@code postStart}
 * hook holds the algorithm's container until the staging ended ({@link #withInlineStaging}). One
 * that the provider staged on the output claim itself ({@link ClaimStaging}) has no staging step at
 * all: the algorithm is the pod's only container ({@link #unstaged}).
 *
 * <p>Stateless and thread-safe.
 */
final class Manifests {
  static final String STAGE_DATA = "stage-data";
  static final String ALGORITHM = "algorithm";
  static final String PUBLISH = "publish";

  /** The pod's volume of the staged layout, {@code /data} in {@value #STAGE_DATA}. */
  static final String DATA_VOLUME = "data";

  /** The helpers' volume of their markers, {@value #CONTROL}. */
  static final String CONTROL_VOLUME = "control";

  /** The volume of the output claim, when the outputs go to one ({@link OutputClaim}). */
  static final String RESULTS_VOLUME = "results";

  /** Annotation on the NetworkPolicy with the job's terminal {@code BackendJobState} as JSON. */
  static final String STATE_ANNOTATION = "c2d.io/state";

  /** Annotation on the NetworkPolicy with the job's spec as JSON. */
  static final String SPEC_ANNOTATION = "c2d.io/spec";

  /** Annotation on every object with the request's body hash. */
  static final String REQUEST_ANNOTATION = "c2d.io/request-sha256";

  static final long NOBODY = 65534L;

  /** Where the helper containers keep their markers. */
  static final String CONTROL = "/c2d";

  /** Where {@value #STAGE_DATA} mounts the claims of PersistentVolumeClaim inputs. */
  static final String CLAIMS = CONTROL + "/pvc";

  /** The staging step's variable holding a staged archive, base64, when it is in the spec. */
  static final String INLINE_ENV = "C2D_STAGED";

  /** The exit code of {@value #STAGE_DATA} when the upload failed. */
  static final int EXIT_UPLOAD_FAILED = 3;

  /** The exit code of {@value #STAGE_DATA} when no upload came in time. */
  static final int EXIT_NOT_UPLOADED = 4;

  /** The exit code of {@value #STAGE_DATA} when a claim's path cannot be read. */
  static final int EXIT_CLAIM_PATH = 5;

  /** The exit code of {@value #PUBLISH} when no backend collected the results in time. */
  static final int EXIT_NOT_COLLECTED = 6;

  /** The exit code of a held {@value #STAGE_DATA} when it could not open the inputs' gate. */
  static final int EXIT_GATE = 7;

  /**
   * In a held pod ({@link #withInlineStaging}), the part of the {@code data} volume the algorithm
   * mounts as {@code /data/inputs}: a link out of the volume until the staging step succeeded (the
   * kubelet then refuses to make the algorithm's container, before it mounts a claim's {@code
   * subPath}), the staged {@code inputs} directory afterwards.
   */
  static final String GATED_INPUTS = ".inputs-ready";

  /**
   * The CPU of a held {@value #STAGE_DATA} (requests equal limits, so the pod stays Guaranteed). At
   * 100m the kernel's CPU quota (10 ms in each 100 ms) throttled its script and {@code postStart}
   * hook to 180–280 ms on the team's node; at 250m they take 40–95 ms, as at a whole CPU.
   */
  static final String HELD_STAGE_CPU = "250m";

  /** The memory of a held {@value #STAGE_DATA} (requests equal limits). */
  static final String HELD_STAGE_MEMORY = "32Mi";

  /** Where a held {@value #STAGE_DATA} mounts the output claim's {@value OutputClaim#TOOLS}. */
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

  /** The marker of a held {@value #STAGE_DATA} saying its staging ended (well or not). */
  static final String RELEASED = CONTROL + "/released";

  /** The marker of a held {@value #STAGE_DATA}'s {@code postStart} hook saying it returned. */
  static final String HOOKED = CONTROL + "/hooked";

  /**
   * The staged archive's last entry, an empty file at the root of {@code /data} (which the
   * algorithm never mounts): {@code tar x} also ends well on a stream cut at an entry's boundary,
   * so only an archive that reached this entry counts as uploaded.
   */
  static final String UPLOAD_END_MARKER = ".c2d-staged";

  /**
   * What the backend runs in {@value #PUBLISH}: the results as a tar archive on standard output.
   */
  static final String COLLECT_COMMAND = "cd /data && tar c outputs logs";

  /** What the backend runs in {@value #PUBLISH} once it holds the results. */
  static final String RELEASE_COMMAND = ": > " + CONTROL + "/collected";

  /** The layout and environment the algorithm sees, rooted at {@code /data}: one for every job. */
  private static final SandboxContract CONTRACT = SandboxContract.container();

  private Manifests() {}

  static ObjectMeta meta(String name, JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    return new ObjectMetaBuilder()
        .withName(name)
        .withLabels(new LinkedHashMap<>(names.labels(spec.owner(), spec.environmentId())))
        .addToAnnotations(REQUEST_ANNOTATION, spec.requestSha256())
        .build();
  }

  /**
   * Denies all ingress, and all egress unless the job may reach the network; carries the job's spec
   * as its record.
   */
  static NetworkPolicy networkPolicy(JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    List<NetworkPolicyEgressRule> egress = new ArrayList<>();
    if (spec.networkAccess()) {
      egress.add(new NetworkPolicyEgressRule());
    }
    ObjectMeta meta = meta(names.networkPolicy(), spec);
    meta.getAnnotations().put(SPEC_ANNOTATION, JobRecord.recordable(spec));
    return new NetworkPolicyBuilder()
        .withMetadata(meta)
        .withNewSpec()
        .withNewPodSelector()
        .addToMatchLabels(ObjectNames.JOB_ID, spec.jobId().value())
        .addToMatchLabels(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
        .endPodSelector()
        .withPolicyTypes("Ingress", "Egress")
        .withIngress(List.of())
        .withEgress(egress)
        .endSpec()
        .build();
  }

  /** The Job running the pod. */
  static Job job(JobSpec spec, Settings settings) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    ObjectMeta meta = meta(names.job(), spec);
    List<Volume> volumes = new ArrayList<>();
    volumes.add(emptyDir(DATA_VOLUME, null));
    String outputClaim = settings.outputClaim();
    if (outputClaim == null) {
      volumes.add(emptyDir("outputs", room(settings.maxOutputBytes())));
      volumes.add(emptyDir("logs", room(settings.maxLogBytes())));
    } else {
      volumes.add(
          new VolumeBuilder()
              .withName(RESULTS_VOLUME)
              .withNewPersistentVolumeClaim()
              .withClaimName(outputClaim)
              .withReadOnly(false)
              .endPersistentVolumeClaim()
              .build());
    }
    volumes.add(emptyDir("tmp", 64L << 20));
    volumes.add(emptyDir(CONTROL_VOLUME, 1L << 20));
    List<VolumeMount> claimMounts = new ArrayList<>();
    List<VolumeMount> inputMounts = new ArrayList<>();
    List<ClaimInput> claims = settings.claims();
    for (int k = 0; k < claims.size(); k++) {
      ClaimInput claim = claims.get(k);
      String volume = "claim-" + k;
      volumes.add(
          new VolumeBuilder()
              .withName(volume)
              .withNewPersistentVolumeClaim()
              .withClaimName(claim.claim())
              .withReadOnly(true)
              .endPersistentVolumeClaim()
              .build());
      claimMounts.add(mount(volume, CLAIMS + "/" + k, true));
      inputMounts.add(
          new VolumeMountBuilder()
              .withName(volume)
              .withMountPath(CONTRACT.root() + "/" + claim.target())
              .withSubPath(claim.path())
              .withReadOnly(true)
              .build());
    }

    List<VolumeMount> stageMounts = new ArrayList<>();
    stageMounts.add(mount(DATA_VOLUME, CONTRACT.root(), false));
    stageMounts.add(mount(CONTROL_VOLUME, CONTROL, false));
    stageMounts.add(mount("tmp", "/tmp", false));
    stageMounts.addAll(claimMounts);
    Container stageData =
        helper(STAGE_DATA, settings)
            .withCommand("sh", "-c", stageScript(claims, settings.transferTimeoutSeconds()))
            .withVolumeMounts(stageMounts)
            .build();
    List<VolumeMount> algorithmMounts = new ArrayList<>();
    algorithmMounts.add(subPath(DATA_VOLUME, SandboxContract.INPUTS));
    algorithmMounts.add(subPath(DATA_VOLUME, SandboxContract.DDOS));
    algorithmMounts.add(subPath(DATA_VOLUME, SandboxContract.TRANSFORMATIONS));
    if (outputClaim == null) {
      algorithmMounts.add(mount("outputs", CONTRACT.path(SandboxContract.OUTPUTS), false));
      algorithmMounts.add(mount("logs", CONTRACT.path(SandboxContract.LOGS), false));
    } else {
      algorithmMounts.add(
          claimPart(
              SandboxContract.OUTPUTS, OutputClaim.subPath(spec.jobId(), OutputClaim.OUTPUTS)));
      algorithmMounts.add(
          claimPart(SandboxContract.LOGS, OutputClaim.subPath(spec.jobId(), OutputClaim.LOGS)));
    }
    algorithmMounts.add(mount("tmp", CONTRACT.tmpDir(), false));
    algorithmMounts.addAll(inputMounts);
    Container algorithm =
        new ContainerBuilder()
            .withName(ALGORITHM)
            .withImage(spec.algorithm().container().reference())
            .withImagePullPolicy("IfNotPresent")
            // the sandbox contract's start rule, in the image's own working directory
            .withCommand(CONTRACT.command(spec.algorithm().container().entrypoint()))
            .withEnv(environment(spec))
            .withSecurityContext(restricted())
            .withResources(resources(spec.resources(), settings.placement().gpuResource()))
            .withVolumeMounts(algorithmMounts)
            .build();
    Container publish =
        helper(PUBLISH, settings)
            .withCommand("sh", "-c", publishScript(settings.transferTimeoutSeconds()))
            .withVolumeMounts(
                mount("outputs", CONTRACT.path(SandboxContract.OUTPUTS), true),
                mount("logs", CONTRACT.path(SandboxContract.LOGS), true),
                mount(CONTROL_VOLUME, CONTROL, false),
                mount("tmp", "/tmp", false))
            .build();

    Job job =
        new JobBuilder()
            .withMetadata(meta)
            .withNewSpec()
            .withBackoffLimit(0)
            .withActiveDeadlineSeconds(Math.max(1L, spec.maxDuration().toSeconds()))
            .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, settings.ttlSeconds()))
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(new LinkedHashMap<>(meta.getLabels()))
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withRuntimeClassName(settings.placement().runtimeClassName().orElse(null))
            .withNodeSelector(
                settings.placement().nodeSelector().isEmpty()
                    ? null
                    : new LinkedHashMap<>(settings.placement().nodeSelector()))
            .withTolerations(tolerations(settings.placement()))
            .withSecurityContext(podSecurityContext())
            .withInitContainers(
                outputClaim == null ? List.of(stageData, algorithm) : List.of(stageData))
            .withContainers(outputClaim == null ? List.of(publish) : List.of(algorithm))
            .withVolumes(volumes)
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    return Containment.contain(job, settings.maxOutputBytes(), settings.maxLogBytes());
  }

  /**
   * What an {@code emptyDir} of results may hold: twice the cap, and at least 16 MiB beyond it, so
   * that an algorithm writing a little too much is cut while its results stream out (and says so)
   * rather than evicted, while the node's disk stays bounded.
   */
  static long room(long cap) {
    long beyond = Math.max(cap, 16L << 20);
    return cap > Long.MAX_VALUE - beyond ? Long.MAX_VALUE : cap + beyond;
  }

  /**
   * The staging step's script: waits for the upload's marker (bounded), then checks that every
   * claim's path can be read and makes its mount point below {@code /data/inputs}.
   */
  static String stageScript(List<ClaimInput> claims, long timeoutSeconds) {
    StringBuilder script = new StringBuilder();
    script
        .append("if [ -n \"$" + INLINE_ENV + "\" ] && [ ! -e " + CONTROL + "/uploaded ]; then")
        .append(" if echo \"$" + INLINE_ENV + "\" | base64 -d | tar x -C /data -f - 2> ")
        .append(CONTROL + "/upload-error; then : > " + CONTROL + "/uploaded;")
        .append(" else : > " + CONTROL + "/upload-failed; fi; fi\n")
        .append("n=0; while [ ! -e " + CONTROL + "/uploaded ]; do")
        .append(" if [ -e " + CONTROL + "/upload-failed ]; then")
        .append(" echo \"the upload of the inputs failed: $(head -c 2000 " + CONTROL)
        .append("/upload-error)\" >&2; exit " + EXIT_UPLOAD_FAILED + "; fi;")
        .append(" n=$((n+1)); if [ $n -gt " + timeoutSeconds * 10 + " ]; then")
        .append(" echo \"the inputs were not uploaded within " + timeoutSeconds + " s\" >&2;")
        .append(" exit " + EXIT_NOT_UPLOADED + "; fi; sleep 0.1; done\n");
    for (int k = 0; k < claims.size(); k++) {
      ClaimInput claim = claims.get(k);
      String source = CLAIMS + "/" + k + "/" + claim.path();
      String target = CONTRACT.root() + "/" + claim.target();
      String parent = target.substring(0, target.lastIndexOf('/'));
      String why =
          claim.what()
              + ": path "
              + claim.path()
              + " cannot be read in PersistentVolumeClaim "
              + claim.claim();
      script
          .append("s='" + source + "'; ")
          .append("if [ ! -r \"$s\" ] || { [ -d \"$s\" ] && [ ! -x \"$s\" ]; }; then")
          .append(" echo '" + why + "' >&2; exit " + EXIT_CLAIM_PATH + "; fi; ")
          .append("if [ -d \"$s\" ]; then mkdir -p '" + target + "';")
          .append(" else mkdir -p '" + parent + "' && : > '" + target + "'; fi\n");
    }
    return script.append("echo 'inputs staged'\n").toString();
  }

  /**
   * {@code job} with {@code base64} (a staged archive, {@link PodStaging#inline}) in its staging
   * step's environment: the step unpacks it itself, and the backend streams nothing in.
   *
   * <p>Where the algorithm is the pod's last regular container (an output claim: no publish step),
   * the pod is also <em>held</em> rather than run in steps: {@value #STAGE_DATA} becomes the first
   * regular container, with a {@code postStart} hook that returns once the staging ended. The
   * kubelet starts a pod's regular containers one after the other and makes the next one only when
   * the previous one's {@code postStart} hook returned, so the algorithm's container is made
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
      if (STAGE_DATA.equals(c.getName())) {
        List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
        env.add(new EnvVar(INLINE_ENV, base64, null));
        c.setEnv(env);
      }
    }
    List<Container> mains = pod.getContainers();
    if (mains.size() == 1
        && ALGORITHM.equals(mains.get(0).getName())
        && pod.getInitContainers().size() == 1
        && STAGE_DATA.equals(pod.getInitContainers().get(0).getName())) {
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
    if (pod.getVolumes().stream().anyMatch(v -> RESULTS_VOLUME.equals(v.getName()))) {
      // leaves the supervisor's busybox on the output claim, after the algorithm was let go, so
      // that later pods can run without a staging step (ClaimStaging)
      stage
          .getVolumeMounts()
          .add(
              new VolumeMountBuilder()
                  .withName(RESULTS_VOLUME)
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
    stage.setResources(
        new ResourceRequirementsBuilder()
            .addToRequests("cpu", cpu)
            .addToRequests("memory", memory)
            .addToLimits("cpu", cpu)
            .addToLimits("memory", memory)
            .build());
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
      if (DATA_VOLUME.equals(m.getName()) && SandboxContract.INPUTS.equals(m.getSubPath())) {
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
    String gate = CONTRACT.root() + "/" + GATED_INPUTS;
    String inputs = CONTRACT.path(SandboxContract.INPUTS);
    return "rm -rf '"
        + gate
        + "'; ln -s / '"
        + gate
        + "' || exit "
        + EXIT_GATE
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
        + EXIT_GATE
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
    return pod.getSpec().getContainers().stream().anyMatch(c -> STAGE_DATA.equals(c.getName()));
  }

  /** Whether {@code pod}'s staging step unpacks its inputs from its own spec. */
  static boolean stagedInline(io.fabric8.kubernetes.api.model.Pod pod) {
    if (pod.getSpec() == null) {
      return false;
    }
    for (Container c : allContainers(pod.getSpec())) {
      if (STAGE_DATA.equals(c.getName()) && c.getEnv() != null) {
        for (EnvVar var : c.getEnv()) {
          if (INLINE_ENV.equals(var.getName())) {
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
        || !ALGORITHM.equals(mains.get(0).getName())
        || inits.size() != 1
        || !STAGE_DATA.equals(inits.get(0).getName())) {
      throw new IllegalArgumentException("not the pod of a job with an output claim");
    }
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(
        new VolumeMountBuilder()
            .withName(RESULTS_VOLUME)
            .withMountPath(CONTRACT.root())
            .withSubPath(OutputClaim.subPath(id))
            .withReadOnly(false)
            .build());
    for (VolumeMount m : mains.get(0).getVolumeMounts()) {
      if (DATA_VOLUME.equals(m.getName()) || RESULTS_VOLUME.equals(m.getName())) {
        continue; // parts of the job's directory, mounted whole above
      }
      if (Containment.VOLUME.equals(m.getName())) {
        m.setName(RESULTS_VOLUME);
        m.setSubPath(OutputClaim.TOOLS);
        m.setReadOnly(true);
      }
      mounts.add(m);
    }
    mains.get(0).setVolumeMounts(mounts);
    pod.setInitContainers(new ArrayList<>());
    List<String> unused = List.of(DATA_VOLUME, CONTROL_VOLUME, Containment.VOLUME);
    pod.setVolumes(
        new ArrayList<>(
            pod.getVolumes().stream().filter(v -> !unused.contains(v.getName())).toList()));
    return copy;
  }

  /** Whether {@code pod} has a staging step (all but those {@link #unstaged} made). */
  static boolean hasStagingStep(io.fabric8.kubernetes.api.model.Pod pod) {
    return pod.getSpec() != null
        && allContainers(pod.getSpec()).stream().anyMatch(c -> STAGE_DATA.equals(c.getName()));
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

  /** The publish step's script: waits (bounded) until the backend collected the results. */
  static String publishScript(long timeoutSeconds) {
    return "n=0; while [ ! -e "
        + CONTROL
        + "/collected ]; do n=$((n+1)); if [ $n -gt "
        + timeoutSeconds * 10
        + " ]; then echo \"no backend collected the results within "
        + timeoutSeconds
        + " s\" >&2; exit "
        + EXIT_NOT_COLLECTED
        + "; fi; sleep 0.1; done; echo 'results collected'\n";
  }

  static PodSecurityContext podSecurityContext() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(NOBODY)
        .withRunAsGroup(NOBODY)
        .withFsGroup(NOBODY)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  static SecurityContext restricted() {
    Capabilities none = new CapabilitiesBuilder().withDrop("ALL").build();
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(NOBODY)
        .withRunAsGroup(NOBODY)
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withReadOnlyRootFilesystem(true)
        .withCapabilities(none)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  // Half a core: an archive of a gigabyte goes through the helpers. Requests equal limits.
  private static ContainerBuilder helper(String name, Settings settings) {
    Quantity cpu = new Quantity("500m");
    Quantity memory = new Quantity("128Mi");
    return new ContainerBuilder()
        .withName(name)
        .withImage(settings.helperImage())
        .withImagePullPolicy("IfNotPresent")
        .withSecurityContext(restricted())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withResources(
            new ResourceRequirementsBuilder()
                .addToRequests("cpu", cpu)
                .addToRequests("memory", memory)
                .addToLimits("cpu", cpu)
                .addToLimits("memory", memory)
                .build());
  }

  static List<Toleration> tolerations(Placement placement) {
    List<Toleration> tolerations = new ArrayList<>();
    for (Placement.Toleration t : placement.tolerations()) {
      tolerations.add(
          new TolerationBuilder()
              .withKey(t.key().isEmpty() ? null : t.key())
              .withOperator(t.operator())
              .withValue(t.value().isEmpty() ? null : t.value())
              .withEffect(t.effect().isEmpty() ? null : t.effect())
              .build());
    }
    return tolerations;
  }

  /** Requests equal to limits (Guaranteed QoS); GPUs as the extended resource {@code gpu}. */
  static ResourceRequirements resources(Resources resources, String gpuResource) {
    Map<String, Quantity> amounts = new LinkedHashMap<>();
    if (resources.milliCpus() > 0) {
      amounts.put("cpu", new Quantity(resources.milliCpus() + "m"));
    }
    if (resources.memoryBytes() > 0) {
      amounts.put("memory", new Quantity(Long.toString(resources.memoryBytes())));
    }
    if (resources.diskBytes() > 0) {
      amounts.put("ephemeral-storage", new Quantity(Long.toString(resources.diskBytes())));
    }
    if (resources.gpus() > 0) {
      amounts.put(gpuResource, new Quantity(Integer.toString(resources.gpus())));
    }
    return new ResourceRequirementsBuilder()
        .withRequests(new LinkedHashMap<>(amounts))
        .withLimits(new LinkedHashMap<>(amounts))
        .build();
  }

  /** The algorithm's environment: the sandbox contract's variables, root {@code /data}. */
  private static List<EnvVar> environment(JobSpec spec) {
    List<EnvVar> vars = new ArrayList<>();
    CONTRACT.environment(spec).forEach((name, value) -> vars.add(new EnvVar(name, value, null)));
    return vars;
  }

  private static Volume emptyDir(String name, @Nullable Long sizeLimit) {
    return new VolumeBuilder()
        .withName(name)
        .withNewEmptyDir()
        .withSizeLimit(sizeLimit == null ? null : new Quantity(Long.toString(sizeLimit)))
        .endEmptyDir()
        .build();
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(volume)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }

  /** The output claim's {@code subPath}, writable, as the sandbox's {@code directory}. */
  private static VolumeMount claimPart(String directory, String subPath) {
    return new VolumeMountBuilder()
        .withName(RESULTS_VOLUME)
        .withMountPath(CONTRACT.path(directory))
        .withSubPath(subPath)
        .withReadOnly(false)
        .build();
  }

  private static VolumeMount subPath(String volume, String directory) {
    return new VolumeMountBuilder()
        .withName(volume)
        .withMountPath(CONTRACT.path(directory))
        .withSubPath(directory)
        .withReadOnly(true)
        .build();
  }

  /** What the Job depends on beside the spec. */
  record Settings(
      String helperImage,
      long maxOutputBytes,
      long maxLogBytes,
      long ttlSeconds,
      Placement placement,
      long transferTimeoutSeconds,
      List<ClaimInput> claims,
      @Nullable String outputClaim) {
    Settings {
      claims = List.copyOf(claims);
    }

    /** Settings with no output claim: the results stream out of the pod. */
    Settings(
        String helperImage,
        long maxOutputBytes,
        long maxLogBytes,
        long ttlSeconds,
        Placement placement,
        long transferTimeoutSeconds,
        List<ClaimInput> claims) {
      this(
          helperImage,
          maxOutputBytes,
          maxLogBytes,
          ttlSeconds,
          placement,
          transferTimeoutSeconds,
          claims,
          null);
    }
  }

  /**
   * An input mounted from a PersistentVolumeClaim: the claim, the checked relative path inside it,
   * where it appears below {@code /data} ({@code inputs/<did>/<n>}), and what it is in words.
   */
  record ClaimInput(String claim, String path, String target, String what) {}
}
