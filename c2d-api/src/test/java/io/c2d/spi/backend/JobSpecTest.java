package io.c2d.spi.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.model.Sha256;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class JobSpecTest {

  @Test
  void theJsonFormRoundTripsEveryField() {
    EthAddress owner = EthAddress.of("0x" + "ab".repeat(20));
    JobSpec spec =
        JobSpec.builder(JobId.derive(owner, "r"), owner)
            .requestId("r")
            .agreementId("0x" + "01".repeat(32))
            .datasets(
                List.of(
                    DatasetInput.builder(Did.of("did:op:" + "cc".repeat(32)), "compute")
                        .orderTx("0x" + "02".repeat(32))
                        .addFile(URI.create("file:///data/a.csv"))
                        .addLocator(
                            FileLocator.urlBuilder(URI.create("https://127.0.0.1/b.csv?sig=1"))
                                .method("POST")
                                .header("Authorization", "Bearer t")
                                .build()
                                .withExpectedSize(10)
                                .withSha256(Sha256.of("ab".repeat(32))))
                        .addLocator(FileLocator.ipfs("QmAbc"))
                        .addLocator(FileLocator.arweave("tx_-1"))
                        .addLocator(FileLocator.pvc("datasets", "a/b.csv"))
                        .ddoJson("{\"id\":\"x\"}")
                        .userData("{\"k\":1}")
                        .build()))
            .algorithm(
                Algorithm.published(
                        Did.of("did:op:" + "dd".repeat(32)),
                        "algo",
                        new ContainerSpec(
                            "python", "3", "sha256:" + "ee".repeat(32), "python $ALGO"))
                    .orderTx("0x" + "03".repeat(32))
                    .addFile(URI.create("file:///algo.py"))
                    .putEnvironment("SEED", "1")
                    .customData("{\"iterations\":10}")
                    .build())
            .environmentId("gpu")
            .resources(Resources.of(2, 2048, 4096, 1))
            .maxDuration(Duration.ofMinutes(5))
            .networkAccess(true)
            .output(new OutputOptions(true, "derived"))
            .createdAt(Instant.parse("2026-11-21T10:15:30.123Z"))
            .requestSha256("ab".repeat(32))
            .build();

    assertThat(JobSpec.fromJson(spec.toJson())).isEqualTo(spec);
  }

  @Test
  void aBackendJobStateRoundTripsThroughJson() {
    EthAddress owner = EthAddress.of("0x" + "ab".repeat(20));
    BackendJobState state =
        new BackendJobState(
            JobId.derive(owner, "r"),
            io.c2d.model.JobStatus.ALGORITHM_FAILED,
            3,
            "exit \"3\"\n",
            List.of(
                new io.c2d.model.JobResult("out/a.csv", io.c2d.model.ResultKind.OUTPUT, 12, 0),
                new io.c2d.model.JobResult(
                    "algorithm.log", io.c2d.model.ResultKind.ALGORITHM_LOG, 0, 1)),
            Instant.parse("2026-11-21T10:15:30.123Z"));

    assertThat(BackendJobState.fromJson(state.toJson())).isEqualTo(state);
    BackendJobState bare =
        BackendJobState.of(state.jobId(), io.c2d.model.JobStatus.QUEUED, state.at());
    assertThat(BackendJobState.fromJson(bare.toJson())).isEqualTo(bare);
    assertThatThrownBy(() -> BackendJobState.fromJson("{\"status\": 999}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void somethingElseIsNotASpec() {
    assertThatThrownBy(() -> JobSpec.fromJson("{\"v\": 1}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JobSpec.fromJson("not json"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSpecWrittenBeforeLocatorsReadsItsFiles() {
    EthAddress owner = EthAddress.of("0x" + "ab".repeat(20));
    JobSpec spec =
        JobSpec.builder(JobId.derive(owner, "r"), owner)
            .requestId("r")
            .datasets(
                List.of(
                    DatasetInput.builder(Did.of("did:op:" + "cc".repeat(32)), "compute")
                        .addFile(URI.create("file:///data/a.csv"))
                        .build()))
            .algorithm(Algorithm.raw(ContainerSpec.of("python", "3", "python $ALGO"), "x").build())
            .environmentId("cpu")
            .createdAt(Instant.parse("2026-11-21T10:15:30Z"))
            .build();
    String old =
        spec.toJson()
            .replace(
                "\"locators\":[{\"type\":\"file\",\"path\":\"/data/a.csv\"}]",
                "\"files\":[\"file:///data/a.csv\"]");

    assertThat(old).contains("\"files\"").doesNotContain("locators");
    assertThat(JobSpec.fromJson(old)).isEqualTo(spec);
  }
}
