package io.c2d.spi.backend.support;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.spi.backend.JobSpec;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Small job specs for the support tests. */
final class Specs {
  static final EthAddress OWNER = EthAddress.of("0x" + "ab".repeat(20));
  static final Did DATASET = Did.of("did:op:" + "cc".repeat(32));

  private Specs() {}

  static JobSpec spec(String requestId) {
    return spec(requestId, Duration.ofMinutes(5));
  }

  static JobSpec spec(String requestId, Duration maxDuration) {
    return JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
        .requestId(requestId)
        .datasets(
            List.of(
                DatasetInput.builder(DATASET, "compute")
                    .addFile(URI.create("file:///data/a.csv"))
                    .build()))
        .algorithm(
            Algorithm.raw(ContainerSpec.of("alpine", "3", "sh $ALGO"), "echo hi")
                .putEnvironment("SEED", "1")
                .putEnvironment("HOME", "/mine")
                .build())
        .environmentId("env")
        .maxDuration(maxDuration)
        .build();
  }

  static ComputeEnvironment environment(long maxOutputBytes, long maxLogBytes) {
    return ComputeEnvironment.builder("env")
        .maxOutputBytes(maxOutputBytes)
        .maxLogBytes(maxLogBytes)
        .build();
  }
}
