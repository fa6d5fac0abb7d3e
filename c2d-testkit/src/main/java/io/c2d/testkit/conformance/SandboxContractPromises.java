package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.SandboxContract} group:
 * the algorithm sees the layout and variables of the sandbox contract. Run only through that nested
 * class, which hands in the kit's fixture.
 */
abstract class SandboxContractPromises extends PromiseGroup {
  SandboxContractPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("each input file is at /data/inputs/<did>/<n>")
  @Keeps(Promise.SANDBOX_LAYOUT)
  void inputsAreWhereTheContractSays() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();

    Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
    job.inputCopies()
        .forEach(
            (name, bytes) ->
                assertThat(outputs.get(name)).as("the algorithm's copy %s", name).isEqualTo(bytes));
  }

  @Test
  @DisplayName("each input's DDO is at /data/ddos/<did>")
  @Keeps(Promise.SANDBOX_LAYOUT)
  void ddosAreWhereTheContractSays() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();

    Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
    for (DatasetInput dataset : job.spec.datasets()) {
      assertThat(
              new String(
                  outputs.getOrDefault("ddo-" + dataset.did().id(), new byte[0]),
                  StandardCharsets.UTF_8))
          .as("the DDO of %s as the algorithm read it", dataset.did())
          .isEqualTo(dataset.ddoJson().orElseThrow());
    }
  }

  @Test
  @DisplayName("DIDS and TRANSFORMATION_DID name the inputs and the algorithm, without did:op:")
  @Keeps(Promise.ENVIRONMENT_VARIABLES)
  void didsAndTransformationDidAreSet() throws IOException {
    KitJob job = submitPublished(TestAlgorithms.PRINT_ENV);
    BackendJobState end = job.awaitTerminal();
    Map<String, String> env = environmentOf(job, end);

    List<String> ids = job.spec.inputDids().stream().map(Did::id).toList();
    assertThat(env.getOrDefault("DIDS", "").replaceAll("\\s", ""))
        .as("DIDS")
        .isEqualTo("[\"" + String.join("\",\"", ids) + "\"]");
    assertThat(env.get("TRANSFORMATION_DID"))
        .as("TRANSFORMATION_DID")
        .isEqualTo(job.spec.algorithm().did().orElseThrow().id());
  }

  @Test
  @DisplayName("VOLUME, INPUTS, OUTPUTS, LOGS and ALGO point into the job's volume")
  @Keeps(Promise.ENVIRONMENT_VARIABLES)
  void pathVariablesAreSet() throws IOException {
    KitJob job = submitPublished(TestAlgorithms.PRINT_ENV);
    BackendJobState end = job.awaitTerminal();
    Map<String, String> env = environmentOf(job, end);
    Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);

    String volume = env.getOrDefault("VOLUME", "");
    assertThat(volume).as("VOLUME").isNotEmpty();
    assertThat(env.get("INPUTS")).as("INPUTS").isEqualTo(volume + "/inputs");
    assertThat(env.get("OUTPUTS")).as("OUTPUTS").isEqualTo(volume + "/outputs");
    assertThat(env.get("LOGS")).as("LOGS").isEqualTo(volume + "/logs");
    assertThat(outputs)
        .as("outputs (algo-readable.txt: $ALGO is a file)")
        .containsKey("algo-readable.txt");
    assertThat(
            new String(
                outputs.getOrDefault("custom-data.json", new byte[0]), StandardCharsets.UTF_8))
        .as("/data/inputs/algoCustomData.json")
        .isEqualTo(job.spec.algorithm().customData());
  }

  @Test
  @DisplayName("the algorithm cannot write to its inputs and does not run as root")
  @Keeps(Promise.SANDBOX)
  void algorithmIsSandboxed() {
    KitJob job = submit(TestAlgorithms.SANDBOX_PROBE, spec -> {});
    BackendJobState end = job.awaitTerminal();

    String probe =
        new String(
            readAll(job.id(), end, ResultKind.OUTPUT).getOrDefault("probe.txt", new byte[0]),
            StandardCharsets.UTF_8);
    assertThat(probe).as("probe.txt").contains("inputs-writable=no").doesNotContain("uid=0\n");
  }

  private Map<String, String> environmentOf(KitJob job, BackendJobState end) {
    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED);
    byte[] envFile = readAll(job.id(), end, ResultKind.OUTPUT).get("env.txt");
    assertThat(envFile).as("env.txt in the outputs").isNotNull();
    Map<String, String> env = new LinkedHashMap<>();
    for (String line :
        new String(envFile == null ? new byte[0] : envFile, StandardCharsets.UTF_8)
            .lines()
            .toList()) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }
}
