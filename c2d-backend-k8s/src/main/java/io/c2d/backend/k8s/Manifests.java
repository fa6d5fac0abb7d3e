package io.c2d.backend.k8s;

import io.c2d.model.DatasetInput;
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
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds the Kubernetes objects of one job: the Secret with the spec and the staged inputs, the
 * NetworkPolicy closing the pod's network, and the {@code batch/v1} Job whose pod runs the
 * configuration, algorithm and publish steps in order.
 *
 * <p>The pod runs its steps as init containers, one after the other: {@value #STAGE_DATA} copies
 * the inputs, DDOs and custom data from the Secret to the sandbox layout, {@value #STAGE_ALGORITHM}
 * copies the algorithm's code, {@value #ALGORITHM} runs the algorithm; then the only regular
 * container, {@value #PUBLISH}, writes every file of {@code /data/outputs} to its standard output
 * (see {@link ResultStream}), from where the backend reads it through the API server's pod log.
 *
 * <p>Stateless and thread-safe.
 */
final class Manifests {
  static final String STAGE_DATA = "stage-data";
  static final String STAGE_ALGORITHM = "stage-algorithm";
  static final String ALGORITHM = "algorithm";
  static final String PUBLISH = "publish";

  /** Annotation on the Secret with the job's terminal {@code BackendJobState} as JSON. */
  static final String STATE_ANNOTATION = "c2d.io/state";

  /** Annotation on every object with the request's body hash. */
  static final String REQUEST_ANNOTATION = "c2d.io/request-sha256";

  static final String SPEC_KEY = "spec.json";
  static final String ALGORITHM_KEY = "algorithm";
  static final String CUSTOM_DATA_KEY = "algoCustomData.json";

  static final long NOBODY = 65534L;
  private static final String STAGED = "/c2d/staged";

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

  static String inputKey(int dataset, int file) {
    return "in-" + dataset + "-" + file;
  }

  static String ddoKey(int dataset) {
    return "ddo-" + dataset;
  }

  /**
   * The Secret holding the spec and the staged content.
   *
   * @param staged the content by Secret key ({@link #inputKey}, {@link #ALGORITHM_KEY})
   */
  static Secret secret(JobSpec spec, Map<String, byte[]> staged) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(SPEC_KEY, base64(spec.toJson().getBytes(StandardCharsets.UTF_8)));
    data.put(
        CUSTOM_DATA_KEY, base64(spec.algorithm().customData().getBytes(StandardCharsets.UTF_8)));
    List<DatasetInput> datasets = spec.datasets();
    for (int d = 0; d < datasets.size(); d++) {
      String ddo = datasets.get(d).ddoJson().orElse(null);
      if (ddo != null) {
        data.put(ddoKey(d), base64(ddo.getBytes(StandardCharsets.UTF_8)));
      }
    }
    staged.forEach((key, content) -> data.put(key, base64(content)));
    return new SecretBuilder()
        .withMetadata(meta(ObjectNames.of(spec.jobId()).spec(), spec))
        .withType("Opaque")
        .withData(data)
        .build();
  }

  /** Denies all ingress, and all egress unless the job may reach the network. */
  static NetworkPolicy networkPolicy(JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    List<NetworkPolicyEgressRule> egress = new ArrayList<>();
    if (spec.networkAccess()) {
      egress.add(new NetworkPolicyEgressRule());
    }
    return new NetworkPolicyBuilder()
        .withMetadata(meta(names.networkPolicy(), spec))
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
    volumes.add(
        new VolumeBuilder()
            .withName("staged")
            .withNewSecret()
            .withSecretName(names.spec())
            .withDefaultMode(0444)
            .endSecret()
            .build());
    volumes.add(emptyDir("inputs", null));
    volumes.add(emptyDir("ddos", null));
    volumes.add(emptyDir("transformations", null));
    volumes.add(emptyDir("outputs", settings.maxOutputBytes()));
    volumes.add(emptyDir("logs", settings.maxLogBytes()));
    volumes.add(emptyDir("tmp", 64L << 20));

    Container stageData =
        helper(STAGE_DATA, settings)
            .withCommand("sh", "-c", stageDataScript(spec))
            .withVolumeMounts(
                mount("staged", STAGED, true),
                mount("inputs", "/data/inputs", false),
                mount("ddos", "/data/ddos", false),
                mount("tmp", "/tmp", false))
            .build();
    Container stageAlgorithm =
        helper(STAGE_ALGORITHM, settings)
            .withCommand("sh", "-c", stageAlgorithmScript(settings.hasAlgorithmCode()))
            .withVolumeMounts(
                mount("staged", STAGED, true),
                mount("transformations", "/data/transformations", false),
                mount("tmp", "/tmp", false))
            .build();
    Container algorithm =
        new ContainerBuilder()
            .withName(ALGORITHM)
            .withImage(spec.algorithm().container().reference())
            .withImagePullPolicy("IfNotPresent")
            .withCommand("/bin/sh", "-c", spec.algorithm().container().entrypoint())
            .withWorkingDir(CONTRACT.root())
            .withEnv(environment(spec))
            .withSecurityContext(restricted())
            .withResources(resources(spec.resources(), settings.placement().gpuResource()))
            .withVolumeMounts(
                mount("inputs", CONTRACT.path(SandboxContract.INPUTS), true),
                mount("ddos", CONTRACT.path(SandboxContract.DDOS), true),
                mount("transformations", CONTRACT.path(SandboxContract.TRANSFORMATIONS), true),
                mount("outputs", CONTRACT.path(SandboxContract.OUTPUTS), false),
                mount("logs", CONTRACT.path(SandboxContract.LOGS), false),
                mount("tmp", CONTRACT.tmpDir(), false))
            .build();
    Container publish =
        helper(PUBLISH, settings)
            .withCommand("sh", "-c", ResultStream.PUBLISH_SCRIPT)
            .withVolumeMounts(
                mount("outputs", "/data/outputs", true),
                mount("logs", "/data/logs", true),
                mount("tmp", "/tmp", false))
            .build();

    return new JobBuilder()
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
        .withInitContainers(stageData, stageAlgorithm, algorithm)
        .withContainers(publish)
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
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

  private static ContainerBuilder helper(String name, Settings settings) {
    Quantity cpu = new Quantity("100m");
    Quantity memory = new Quantity("64Mi");
    return new ContainerBuilder()
        .withName(name)
        .withImage(settings.helperImage())
        .withImagePullPolicy("IfNotPresent")
        .withSecurityContext(restricted())
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

  static String stageDataScript(JobSpec spec) {
    StringBuilder script = new StringBuilder("set -e\n");
    List<DatasetInput> datasets = spec.datasets();
    for (int d = 0; d < datasets.size(); d++) {
      DatasetInput dataset = datasets.get(d);
      String id = safe(dataset.did().id());
      script.append("mkdir -p /data/inputs/").append(id).append('\n');
      for (int n = 0; n < dataset.files().size(); n++) {
        script
            .append("cp ")
            .append(STAGED)
            .append('/')
            .append(inputKey(d, n))
            .append(" /data/inputs/")
            .append(id)
            .append('/')
            .append(n)
            .append('\n');
      }
      if (dataset.ddoJson().isPresent()) {
        script
            .append("cp ")
            .append(STAGED)
            .append('/')
            .append(ddoKey(d))
            .append(" /data/ddos/")
            .append(id)
            .append('\n');
      }
    }
    script
        .append("cp ")
        .append(STAGED)
        .append('/')
        .append(CUSTOM_DATA_KEY)
        .append(" /data/inputs/\n");
    return script.toString();
  }

  static String stageAlgorithmScript(boolean hasCode) {
    return hasCode
        ? "set -e\ncp " + STAGED + "/" + ALGORITHM_KEY + " /data/transformations/algorithm\n"
        : "true\n";
  }

  private static String safe(String id) {
    if (!id.matches("[A-Za-z0-9]+")) {
      throw new IllegalArgumentException("unexpected DID id: " + id);
    }
    return id;
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

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** What the Job depends on beside the spec. */
  record Settings(
      String helperImage,
      long maxOutputBytes,
      long maxLogBytes,
      long ttlSeconds,
      Placement placement,
      boolean hasAlgorithmCode) {}
}
