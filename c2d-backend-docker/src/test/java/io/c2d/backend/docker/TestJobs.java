package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Specs, algorithms, a recording listener and readers the Docker backend's tests share. */
final class TestJobs {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final EthAddress OWNER = EthAddress.of("0x" + "cd".repeat(20));
  static final String ENVIRONMENT = "docker-test";

  private TestJobs() {}

  static Did did(int n) {
    return Did.of(String.format(Locale.ROOT, "%064x", n));
  }

  static Algorithm raw(String script) {
    return Algorithm.raw(ContainerSpec.of(DockerEngine.IMAGE, DockerEngine.TAG, "sh $ALGO"), script)
        .build();
  }

  static DatasetInput dataset(int n, URI... files) {
    return DatasetInput.builder(did(n), "compute").addFiles(List.of(files)).build();
  }

  static JobSpec.Builder spec(String requestId, Algorithm algorithm, DatasetInput... datasets) {
    return JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
        .requestId(requestId)
        .datasets(datasets.length == 0 ? List.of(dataset(1)) : List.of(datasets))
        .algorithm(algorithm)
        .environmentId(ENVIRONMENT)
        .resources(Resources.of(0.5, 128, 256, 0))
        .maxDuration(Duration.ofSeconds(60));
  }

  static ComputeEnvironment environment(long maxOutputBytes, long maxLogBytes) {
    return ComputeEnvironment.builder(ENVIRONMENT)
        .capacity(Resources.of(4, 4096, 10 * 1024, 0))
        .maxPerJob(Resources.of(1, 1024, 2048, 0))
        .maxOutputBytes(maxOutputBytes)
        .maxLogBytes(maxLogBytes)
        .build();
  }

  static JobResult result(BackendJobState state, String name) {
    return state.results().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result " + name + " in " + state.results()));
  }

  static List<String> outputNames(BackendJobState state) {
    return state.results().stream()
        .filter(r -> r.kind() == ResultKind.OUTPUT)
        .map(JobResult::name)
        .toList();
  }

  static String read(ComputeBackend backend, BackendJobState state, String name) {
    try (InputStream in = join(backend.openResult(state.jobId(), result(state, name)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new AssertionError("could not read " + name + " of job " + state.jobId(), e);
    }
  }

  static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The containers and volumes the engine still has for job {@code id}. */
  static String leftovers(JobId id) {
    String filter = "label=io.c2d.job-id=" + id.value();
    String containers =
        DockerEngine.run(List.of("docker", "ps", "-aq", "--filter", filter), 30).output();
    String volumes =
        DockerEngine.run(List.of("docker", "volume", "ls", "-q", "--filter", filter), 30).output();
    return (containers + volumes).strip();
  }

  /** Records every report and lets a test wait for one. */
  static final class Recorder implements BackendListener {
    private final Object lock = new Object();
    private final List<BackendJobState> states = new ArrayList<>();
    private final Map<CompletableFuture<BackendJobState>, Predicate<BackendJobState>> waiters =
        new HashMap<>();

    @Override
    public void onUpdate(BackendJobState state) {
      synchronized (lock) {
        states.add(state);
        waiters.forEach(
            (future, condition) -> {
              if (condition.test(state)) {
                future.complete(state);
              }
            });
      }
    }

    List<JobStatus> statuses(JobId id) {
      synchronized (lock) {
        return states.stream()
            .filter(s -> s.jobId().equals(id))
            .map(BackendJobState::status)
            .toList();
      }
    }

    BackendJobState await(JobId id, Predicate<BackendJobState> condition) {
      CompletableFuture<BackendJobState> future = new CompletableFuture<>();
      synchronized (lock) {
        for (BackendJobState state : states) {
          if (state.jobId().equals(id) && condition.test(state)) {
            return state;
          }
        }
        waiters.put(future, s -> s.jobId().equals(id) && condition.test(s));
      }
      try {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError(
            "job " + id + " did not get there in " + WAIT + "; saw " + statuses(id), e);
      }
    }

    BackendJobState awaitEnd(JobId id) {
      BackendJobState end = await(id, s -> s.status().isTerminal());
      assertThat(statuses(id).stream().filter(JobStatus::isTerminal)).hasSize(1);
      return end;
    }
  }
}
