package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.backend.docker.DockerComputeBackend;
import io.c2d.backend.k8s.KubernetesComputeBackend;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.backend.local.SandboxMode;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.junit.AlgorithmImages;
import io.c2d.testkit.junit.RealPart;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Algorithms in the style of Ocean's published examples (written here, in {@code
 * src/test/resources/ocean-algorithms}), unmodified, on the three backends at once: Docker, the
 * real Kubernetes node of {@code KUBECONFIG} and the embedded backend in bubblewrap over each
 * image's unpacked root. Each job must complete with byte-identical outputs everywhere: a Python
 * classifier (DIDS, the DDOs, a relative {@code data/inputs/<did>/0}; model and plot), a Node
 * script, a Node script reading {@code algoCustomData.json}, and the no-shell static binary. The
 * images are the project's own ({@link AlgorithmImages}, built by {@code .ci/algo-images}).
 */
@Requires({
  DockerTestImage.class,
  AlgorithmImages.class,
  OceanStyleAlgorithmsTest.RealKubernetes.class,
  OceanStyleAlgorithmsTest.EmbeddedSandbox.class
})
final class OceanStyleAlgorithmsTest {
  private static final EthereumKey OWNER = EthereumKey.ALICE;
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("ocean-style")
          .capacity(Resources.of(4, 8192, 4096, 0))
          .maxPerJob(Resources.of(1, 2048, 1024, 0))
          .defaultPerJob(Resources.of(1, 2048, 512, 0))
          .maxConcurrentJobs(4)
          .maxJobsPerConsumer(4)
          .maxDuration(WAIT)
          .maxOutputBytes(1 << 20)
          .maxLogBytes(64 << 10)
          .build();

  private static @Nullable Path work;
  private static final Map<String, ComputeBackend> BACKENDS = new LinkedHashMap<>();

  @BeforeAll
  static void startTheBackends() throws IOException {
    Path dir = Files.createTempDirectory("c2d-ocean-style-");
    work = dir;
    BACKENDS.put(
        "docker",
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("docker"))
            .environment(ENVIRONMENT)
            .instance("ocean-style")
            .pullMissingImages(false)
            .build());
    BACKENDS.put(
        "kubernetes",
        KubernetesComputeBackend.builder()
            .namespace(System.getenv().getOrDefault("C2D_K8S_NAMESPACE", "default"))
            .resultRoot(dir.resolve("kubernetes"))
            .addEnvironment(ENVIRONMENT)
            .helperImage(DockerTestImage.IMAGE)
            .imagePullTimeout(Duration.ofMinutes(2))
            // the team's test node does not enforce NetworkPolicy (the backend would refuse the
            // jobs)
            .acceptUnenforcedNetworkPolicy(true)
            .build());
    EmbeddedComputeBackend.Builder embedded =
        EmbeddedComputeBackend.builder()
            .workRoot(dir.resolve("embedded"))
            .environment(ENVIRONMENT)
            .sandbox(SandboxMode.REQUIRE);
    for (String image : AlgorithmImages.ALL) {
      embedded.imageRoot(image, AlgorithmImages.root(image));
    }
    BACKENDS.put("embedded", embedded.build());
  }

  @AfterAll
  static void closeTheBackends() throws IOException {
    BACKENDS.values().forEach(ComputeBackend::close);
    BACKENDS.clear();
    if (work != null) {
      JobDirectoryStore.deleteTree(work);
    }
  }

  @Test
  void aPythonClassifierReadsDidsDdosAndRelativeInputsAndWritesAModelAndAPlot() {
    Map<String, byte[]> outputs =
        runEverywhere(AlgorithmImages.PYTHON, "python3 $ALGO", source("classifier.py"), "{}", 2);

    assertThat(outputs).containsOnlyKeys("model.pkl", "plot.png", "summary.json");
    assertThat(text(outputs.get("summary.json")))
        .contains("\"accuracy\": 1.0", "\"rows\": 120", "\"test dataset 1\"", "\"plot.png\"");
    assertThat(outputs.get("plot.png")).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void aNodeScriptReadsTheDdosAndRelativeInputs() {
    Map<String, byte[]> outputs =
        runEverywhere(AlgorithmImages.NODE, "node $ALGO", source("stats.js"), "{}", 1);

    assertThat(text(outputs.get("stats.json")))
        .contains("\"name\": \"test dataset 1\"", "\"rows\": 60", "\"petal_length\"");
  }

  @Test
  void aNodeScriptReadsTheConsumersAlgoCustomData() {
    Map<String, byte[]> outputs =
        runEverywhere(
            AlgorithmImages.NODE,
            "node $ALGO",
            source("custom-data.js"),
            "{\"column\":\"petal_length\",\"threshold\":2.5}",
            2);

    assertThat(text(outputs.get("custom.json")))
        .contains("\"threshold\": 2.5")
        .containsPattern("\"[0-9a-f]{64}\": 40");
  }

  @Test
  void aStaticBinaryRunsInAnImageWithoutAShell() {
    Map<String, byte[]> outputs =
        runEverywhere(AlgorithmImages.NOSHELL, "/noshell $ALGO alpha $HOME", "one\ntwo\n", "{}", 1);

    assertThat(text(outputs.get("noshell.txt")))
        .isEqualTo(
            "cwd=/\nshell=absent\narg=alpha\narg=$HOME\nalgorithm bytes=8 lines=2\n"
                + TestRequests.did(1).id()
                + " bytes="
                + iris(0).length()
                + " lines=61\n");
  }

  /**
   * Runs the raw algorithm {@code code} in {@code image} on every backend at once, over {@code
   * datasets} iris-like datasets, and returns its outputs after checking that every backend
   * completed it with the same bytes.
   */
  private static Map<String, byte[]> runEverywhere(
      String image, String entrypoint, String code, String customData, int datasets) {
    int colon = image.indexOf(':');
    Algorithm algorithm =
        Algorithm.raw(
                ContainerSpec.of(image.substring(0, colon), image.substring(colon + 1), entrypoint),
                code)
            .customData(customData)
            .putEnvironment("OPENBLAS_NUM_THREADS", "1")
            .putEnvironment("OMP_NUM_THREADS", "1")
            .build();
    Map<String, CompletableFuture<BackendJobState>> ends = new LinkedHashMap<>();
    Map<String, JobId> ids = new LinkedHashMap<>();
    for (Map.Entry<String, ComputeBackend> backend : BACKENDS.entrySet()) {
      JobSpec spec = spec(algorithm, datasets);
      CompletableFuture<BackendJobState> end = new CompletableFuture<>();
      ids.put(backend.getKey(), spec.jobId());
      ends.put(backend.getKey(), end);
      join(
          backend
              .getValue()
              .submit(
                  spec,
                  state -> {
                    if (state.status().isTerminal()) {
                      end.complete(state);
                    }
                  }));
    }
    Map<String, Map<String, byte[]>> outputs = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ComputeBackend> backend : BACKENDS.entrySet()) {
        String name = backend.getKey();
        JobId id = ids.get(name);
        BackendJobState end = join(ends.get(name));
        Map<String, byte[]> all = read(backend.getValue(), id, end);
        assertThat(end.status())
            .as(
                "%s's end (algorithm log: %s; configuration log: %s)",
                name, text(all.get("log/algorithm.log")), text(all.get("log/configuration.log")))
            .isEqualTo(JobStatus.COMPLETED);
        Map<String, byte[]> own = new TreeMap<>();
        all.forEach(
            (key, bytes) -> {
              if (key.startsWith("output/")) {
                own.put(key.substring("output/".length()), bytes);
              }
            });
        outputs.put(name, own);
      }
    } finally {
      BACKENDS.forEach((name, backend) -> join(backend.delete(ids.get(name))));
    }
    Map<String, byte[]> docker = outputs.get("docker");
    for (Map.Entry<String, Map<String, byte[]>> other : outputs.entrySet()) {
      assertThat(other.getValue().keySet())
          .as("the outputs on %s", other.getKey())
          .isEqualTo(docker.keySet());
      other
          .getValue()
          .forEach(
              (file, bytes) ->
                  assertThat(bytes)
                      .as("%s on %s, byte for byte as on docker", file, other.getKey())
                      .isEqualTo(docker.get(file)));
    }
    return docker;
  }

  private static JobSpec spec(Algorithm algorithm, int datasets) {
    String requestId = "ocean-style-" + UUID.randomUUID();
    List<DatasetInput> inputs = new ArrayList<>();
    for (int n = 1; n <= datasets; n++) {
      Path file;
      try {
        Path dir = Files.createDirectories(work().resolve("inputs").resolve(requestId));
        file = Files.writeString(dir.resolve(n + ".csv"), iris(n - 1));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      inputs.add(
          TestRequests.dataset(n).addFile(file.toUri()).ddoJson(TestRequests.openDdo(n)).build());
    }
    return JobSpec.builder(JobId.derive(OWNER.address(), requestId), OWNER.address())
        .requestId(requestId)
        .datasets(inputs)
        .algorithm(algorithm)
        .environmentId(ENVIRONMENT.id())
        .resources(ENVIRONMENT.defaultPerJob())
        .maxDuration(WAIT)
        .createdAt(Instant.now())
        .build();
  }

  /** 60 rows of an iris-like table of three classes, shifted by {@code shift}, deterministic. */
  static String iris(int shift) {
    StringBuilder csv =
        new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,species\n");
    String[] species = {"setosa", "versicolor", "virginica"};
    for (int i = 0; i < 60; i++) {
      int k = i % 3;
      csv.append(
          String.format(
              Locale.ROOT,
              "%.1f,%.1f,%.1f,%.1f,%s%n",
              4.8 + k * 0.9 + (i % 5) * 0.1 + shift * 0.1,
              3.4 - k * 0.3 + (i % 4) * 0.1,
              1.4 + k * 2.0 + (i % 6) * 0.1,
              0.2 + k * 0.8 + (i % 3) * 0.1,
              species[k]));
    }
    return csv.toString().replace("\r\n", "\n");
  }

  private static Map<String, byte[]> read(ComputeBackend backend, JobId id, BackendJobState end) {
    Map<String, byte[]> all = new TreeMap<>();
    for (JobResult result : end.results()) {
      String prefix = result.kind() == ResultKind.OUTPUT ? "output/" : "log/";
      try (InputStream in = join(backend.openResult(id, result))) {
        all.put(prefix + result.name(), in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all;
  }

  private static String source(String name) {
    try (InputStream in =
        OceanStyleAlgorithmsTest.class.getResourceAsStream("/ocean-algorithms/" + name)) {
      if (in == null) {
        throw new IllegalStateException("ocean-algorithms/" + name + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path work() {
    Path dir = work;
    if (dir == null) {
      throw new IllegalStateException("the backends did not start");
    }
    return dir;
  }

  private static String text(byte @Nullable [] bytes) {
    return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("a backend's stage failed or took over " + WAIT, e);
    }
  }

  /** The real Kubernetes node of {@code KUBECONFIG}, which {@code .ci/run} starts. */
  static final class RealKubernetes implements RealPart {
    @Override
    public String name() {
      return "a real Kubernetes cluster (KUBECONFIG)";
    }

    @Override
    public @Nullable String problem() {
      String kubeconfig = System.getenv("KUBECONFIG");
      if (kubeconfig == null || kubeconfig.isBlank()) {
        return "KUBECONFIG is not set";
      }
      return Files.isRegularFile(Path.of(kubeconfig)) ? null : kubeconfig + " does not exist";
    }

    @Override
    public String remedy() {
      return ".ci/run builds and starts a real Kubernetes node and sets KUBECONFIG";
    }
  }

  /** The embedded backend's bubblewrap sandbox, which runs an image's root. */
  static final class EmbeddedSandbox implements RealPart {
    @Override
    public String name() {
      return "the embedded backend's bubblewrap sandbox";
    }

    @Override
    public @Nullable String problem() {
      try {
        Path dir = Files.createTempDirectory("c2d-probe-");
        EmbeddedComputeBackend.builder().workRoot(dir).sandbox(SandboxMode.REQUIRE).build().close();
        JobDirectoryStore.deleteTree(dir);
        return null;
      } catch (IOException | RuntimeException e) {
        return e.getMessage();
      }
    }

    @Override
    public String remedy() {
      return ".ci/run installs Debian's package bubblewrap";
    }
  }
}
