package io.c2d.backend.k8s;

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
 * hook holds the algorithm's container until the staging ended ({@link
 * StagingSteps#withInlineStaging}). One that the provider staged on the output claim itself ({@link
 * ClaimStaging}) has no staging step at all: the algorithm is the pod's only container ({@link
 * StagingSteps#unstaged}).
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
  static final SandboxContract CONTRACT = SandboxContract.container();

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
        .withResources(guaranteed(cpu, memory));
  }

  /**
   * Requests equal to limits, so that the container counts toward a Guaranteed pod and its share is
   * never taken from it.
   */
  static ResourceRequirements guaranteed(Quantity cpu, Quantity memory) {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", cpu)
        .addToRequests("memory", memory)
        .addToLimits("cpu", cpu)
        .addToLimits("memory", memory)
        .build();
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
