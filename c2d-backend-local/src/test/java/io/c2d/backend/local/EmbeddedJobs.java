package io.c2d.backend.local;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Specs, algorithms and readers the embedded backend's tests share. */
final class EmbeddedJobs {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final EthAddress OWNER = EthAddress.of("0x" + "ab".repeat(20));

  private EmbeddedJobs() {}

  static Did did(int n) {
    return Did.of(String.format(java.util.Locale.ROOT, "%064x", n));
  }

  static Algorithm raw(String script) {
    return Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), script).build();
  }

  static DatasetInput dataset(int n, URI... files) {
    return DatasetInput.builder(did(n), "compute").addFiles(List.of(files)).build();
  }

  static JobSpec spec(String requestId, Algorithm algorithm, DatasetInput... datasets) {
    return spec(requestId, algorithm, Duration.ofMinutes(1), datasets);
  }

  static JobSpec spec(
      String requestId, Algorithm algorithm, Duration maxDuration, DatasetInput... datasets) {
    return JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
        .requestId(requestId)
        .datasets(datasets.length == 0 ? List.of(dataset(1)) : List.of(datasets))
        .algorithm(algorithm)
        .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
        .maxDuration(maxDuration)
        .build();
  }

  static ComputeEnvironment environment(long maxOutputBytes, long maxLogBytes) {
    return ComputeEnvironment.builder(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
        .maxOutputBytes(maxOutputBytes)
        .maxLogBytes(maxLogBytes)
        .build();
  }

  static Path file(Path dir, String name, String content) {
    try {
      Path file = dir.resolve(name);
      Files.writeString(file, content, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JobResult result(BackendJobState state, String name) {
    return state.results().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result " + name + " in " + state.results()));
  }

  static List<String> names(BackendJobState state) {
    return state.results().stream().map(JobResult::name).toList();
  }

  static List<String> outputNames(BackendJobState state) {
    return state.results().stream()
        .filter(r -> r.kind() == ResultKind.OUTPUT)
        .map(JobResult::name)
        .toList();
  }

  static String read(ComputeBackend backend, JobId id, JobResult result) {
    try (InputStream in =
        backend
            .openResult(id, result)
            .toCompletableFuture()
            .get(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new AssertionError("could not read " + result.name() + " of job " + id, e);
    }
  }

  static String read(ComputeBackend backend, BackendJobState state, String name) {
    return read(backend, state.jobId(), result(state, name));
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
