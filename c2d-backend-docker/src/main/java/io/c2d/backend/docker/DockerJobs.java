package io.c2d.backend.docker;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs of one {@link DockerComputeBackend}: the ones this instance holds, and the ones found in
 * the result root on demand (loaded and resumed the first time they are looked up).
 *
 * <p>Thread-safe.
 */
final class DockerJobs {
  private static final Logger logger = LoggerFactory.getLogger(DockerJobs.class);

  private final Path resultRoot;
  private final Shared shared;
  private final Function<String, ComputeEnvironment> environments;
  private final ConcurrentHashMap<JobId, DockerJob> jobs = new ConcurrentHashMap<>();

  DockerJobs(Path resultRoot, Shared shared, Function<String, ComputeEnvironment> environments) {
    this.resultRoot = resultRoot;
    this.shared = shared;
    this.environments = environments;
  }

  /**
   * Accepts job {@code spec} (runs on the executor): a new job is written durably, {@code accepted}
   * completes, and the job is staged and started on this thread; a job id already known gets {@code
   * listener} and its current state instead.
   */
  void accept(
      JobSpec spec,
      ComputeEnvironment environment,
      BackendListener listener,
      CompletableFuture<Void> accepted) {
    JobStore store = JobStore.of(resultRoot, spec.jobId());
    boolean[] created = {false};
    DockerJob job;
    try {
      job =
          jobs.computeIfAbsent(
              spec.jobId(),
              id -> {
                if (store.exists()) {
                  try {
                    return DockerJob.load(store, environments, shared);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
                created[0] = true;
                return DockerJob.create(spec, store, environment, shared, listener);
              });
    } catch (UncheckedIOException e) {
      accepted.completeExceptionally(
          new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              "job " + spec.jobId() + " has a directory that cannot be read: " + e.getMessage(),
              e));
      return;
    }
    if (!created[0]) {
      job.resume();
      job.bind(listener, true);
      accepted.complete(null);
      return;
    }
    try {
      job.accept();
    } catch (IOException | RuntimeException e) {
      jobs.remove(spec.jobId(), job);
      accepted.completeExceptionally(
          new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              "could not write job " + spec.jobId() + " to " + resultRoot + ": " + e,
              e));
      return;
    }
    accepted.complete(null);
    job.run();
  }

  /**
   * The job {@code id}, loaded from the result root and resumed if this instance did not hold it.
   */
  Optional<DockerJob> lookup(JobId id) {
    DockerJob job = jobs.get(id);
    if (job == null) {
      JobStore store = JobStore.of(resultRoot, id);
      if (!store.exists()) {
        return Optional.empty();
      }
      DockerJob loaded;
      try {
        loaded = DockerJob.load(store, environments, shared);
      } catch (IOException e) {
        logger.warn("skipping job directory {}: it cannot be read", store.dir(), e);
        return Optional.empty();
      }
      DockerJob raced = jobs.putIfAbsent(id, loaded);
      job = raced == null ? loaded : raced;
    }
    job.resume();
    return Optional.of(job);
  }

  /** Stops job {@code found}, removes its container, volume and directory, then forgets it. */
  CompletableFuture<Void> delete(JobId id, DockerJob found) {
    return found.delete().thenRun(() -> jobs.remove(id, found));
  }

  /**
   * Every job held or in the result root, in id order, now reporting to {@code listener}.
   *
   * @param underWay receives the ids of the jobs that have not ended
   */
  List<RecoveredJob> recover(BackendListener listener, Set<String> underWay) {
    TreeSet<JobId> ids = new TreeSet<>((a, b) -> a.value().compareTo(b.value()));
    ids.addAll(jobs.keySet());
    ids.addAll(jobDirectories());
    List<RecoveredJob> found = new ArrayList<>(ids.size());
    for (JobId id : ids) {
      Optional<DockerJob> job = lookup(id);
      if (job.isPresent()) {
        job.get().bind(listener, false);
        RecoveredJob recovered = new RecoveredJob(job.get().spec(), job.get().state());
        found.add(recovered);
        if (!recovered.state().status().isTerminal()) {
          underWay.add(id.value());
        }
      }
    }
    return List.copyOf(found);
  }

  /** Tells whoever waits for a job's end that it will not come from this instance. */
  void abandonAll(RuntimeException because) {
    for (DockerJob job : jobs.values()) {
      job.abandon(because);
    }
  }

  private List<JobId> jobDirectories() {
    List<JobId> ids = new ArrayList<>();
    if (!Files.isDirectory(resultRoot)) {
      return ids;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(resultRoot)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try {
          JobId id = JobId.of(name);
          if (id.value().equals(name)) {
            ids.add(id);
          }
        } catch (InvalidRequestException e) {
          // not a job directory
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + resultRoot, e);
    }
    return ids;
  }
}
