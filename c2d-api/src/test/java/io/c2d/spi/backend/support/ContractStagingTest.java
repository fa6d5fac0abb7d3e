package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ContractStagingTest {
  private static final Did ALGORITHM = Did.of("did:op:" + "dd".repeat(32));

  @TempDir Path root;
  private final JobRuntime runtime = JobRuntime.builder("test", "c2d-test").build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private SandboxJob job(JobSpec spec) throws IOException {
    JobDirectory directory = JobDirectoryStore.of(root.resolve("jobs")).directory(spec.jobId());
    Files.createDirectories(directory.path());
    return new SandboxJob(
        spec,
        directory,
        Specs.environment(1000, 1000),
        runtime,
        new NoSandbox(),
        BackendJobState.of(spec.jobId(), JobStatus.CONFIGURING_VOLUMES, Instant.now()),
        null,
        true);
  }

  private JobSpec spec(List<URI> datasetFiles, Algorithm algorithm) {
    return JobSpec.builder(Specs.spec("a").jobId(), Specs.OWNER)
        .requestId("a")
        .datasets(
            List.of(
                DatasetInput.builder(Specs.DATASET, "compute")
                    .addFiles(datasetFiles)
                    .ddoJson("{\"id\":\"dataset\"}")
                    .build()))
        .algorithm(algorithm)
        .environmentId("env")
        .build();
  }

  @Test
  void everyFileGoesWhereTheContractSays() throws Exception {
    Path first = Files.writeString(root.resolve("first.csv"), "1,2");
    Path part1 = Files.writeString(root.resolve("part1.py"), "print(");
    Path part2 = Files.writeString(root.resolve("part2.py"), "1)");
    Algorithm algorithm =
        Algorithm.published(ALGORITHM, "algo", ContainerSpec.of("python", "3", "python $ALGO"))
            .addFile(part1.toUri())
            .addFile(part2.toUri())
            .ddoJson("{\"id\":\"algorithm\"}")
            .customData("{\"k\":1}")
            .build();
    SandboxJob job = job(spec(List.of(first.toUri()), algorithm));
    Path data = root.resolve("data");

    ContractStaging.stage(job, ContractStaging.intoDirectory(data));

    assertThat(data.resolve(SandboxContract.inputFile(Specs.DATASET, 0))).hasContent("1,2");
    assertThat(data.resolve(SandboxContract.ddo(Specs.DATASET))).hasContent("{\"id\":\"dataset\"}");
    assertThat(data.resolve(SandboxContract.ddo(ALGORITHM))).hasContent("{\"id\":\"algorithm\"}");
    assertThat(data.resolve(SandboxContract.ALGORITHM)).hasContent("print(1)").isExecutable();
    assertThat(data.resolve(SandboxContract.CUSTOM_DATA)).hasContent("{\"k\":1}");
    assertThat(data.resolve(SandboxContract.OUTPUTS)).isDirectory();
    assertThat(data.resolve(SandboxContract.LOGS)).isDirectory();
    assertThat(job.directory().configurationLog())
        .content()
        .contains("staged dataset " + Specs.DATASET + " file 0 (3 bytes)")
        .contains("from 2 file(s), concatenated (8 bytes)");
  }

  @Test
  void aLocatorTheBackendCannotServeFailsTheJobNamingTheBackend() throws Exception {
    SandboxJob job =
        job(
            spec(
                List.of(URI.create("pvc://datasets/a.csv")),
                Algorithm.raw(ContainerSpec.of("alpine", "3", "sh $ALGO"), "echo").build()));

    StageFailure failure =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            StageFailure.class,
            () -> ContractStaging.stage(job, ContractStaging.intoDirectory(root.resolve("data"))));

    assertThat(failure.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(failure.getMessage())
        .contains(
            "dataset " + Specs.DATASET + " file 0 (pvc://datasets/a.csv)",
            "the test backend cannot mount a PersistentVolumeClaim");
  }

  /** Staging never reaches the sandbox. */
  private static final class NoSandbox implements Sandbox {
    @Override
    public void stage(SandboxJob job) {}

    @Override
    public void start(SandboxJob job) {}

    @Override
    public void watch(SandboxJob job) {}

    @Override
    public void kill() {}

    @Override
    public Reattached reattach(SandboxJob job) {
      return Reattached.neverRan();
    }

    @Override
    public void collect(SandboxJob job, ResultCollector collector) {}

    @Override
    public void remove() {}
  }
}
