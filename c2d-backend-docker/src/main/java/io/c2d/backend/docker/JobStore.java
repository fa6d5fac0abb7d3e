package io.c2d.backend.docker;

import io.c2d.model.JobId;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where one job of the {@link DockerComputeBackend} keeps its things on the provider's side, below
 * {@code <resultRoot>/<jobId>/}; nothing here is ever mounted into a container.
 *
 * <pre>
 * job.json            the JobSpec, written once on submit (the job's durable acceptance)
 * state.json          the last reported status, exit code, detail, results and time
 * ending              "stopped" or "timed-out" once a stop or the timeout was decided
 * configuration.log   staging steps, appended as they happen
 * staging.tar         the tar copied into the container (deleted once copied)
 * results/outputs/    the collected outputs, capped
 * results/logs/       algorithm.log, configuration.log and publish.log, capped
 * </pre>
 *
 * <p>Immutable and thread-safe; the files themselves are guarded by the job's lock.
 */
final class JobStore {
  static final String ENDING_STOPPED = "stopped";
  static final String ENDING_TIMED_OUT = "timed-out";

  private final JobId id;
  private final Path root;
  private final Path dir;

  private JobStore(JobId id, Path root) {
    this.id = id;
    this.root = root;
    this.dir = root.resolve(id.value());
  }

  static JobStore of(Path root, JobId id) {
    return new JobStore(id, root);
  }

  JobId id() {
    return id;
  }

  Path dir() {
    return dir;
  }

  Path jobJson() {
    return dir.resolve("job.json");
  }

  Path stateJson() {
    return dir.resolve("state.json");
  }

  Path endingFile() {
    return dir.resolve("ending");
  }

  Path configurationLog() {
    return dir.resolve("configuration.log");
  }

  Path stagingTar() {
    return dir.resolve("staging.tar");
  }

  Path results() {
    return dir.resolve("results");
  }

  /** Where results of {@code kind} are kept: outputs and logs apart, so their names never clash. */
  Path resultArea(ResultKind kind) {
    return results().resolve(kind == ResultKind.OUTPUT ? "outputs" : "logs");
  }

  boolean exists() {
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS);
  }

  /** Creates the job's directory; fails if it exists, so that two submits never share one. */
  void createDir() throws IOException {
    Files.createDirectories(root);
    Files.createDirectory(dir);
  }

  void writeSpec(JobSpec spec) throws IOException {
    writeAtomically(jobJson(), spec.toJson());
  }

  JobSpec readSpec() throws IOException {
    try {
      JobSpec spec = JobSpec.fromJson(Files.readString(jobJson(), StandardCharsets.UTF_8));
      if (!spec.jobId().equals(id)) {
        throw new IOException(jobJson() + " is the spec of another job, " + spec.jobId());
      }
      return spec;
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed " + jobJson() + ": " + e.getMessage(), e);
    }
  }

  void writeState(BackendJobState state) throws IOException {
    writeAtomically(stateJson(), state.toJson() + "\n");
  }

  /**
   * Reads {@code state.json}.
   *
   * @throws NoSuchFileException if there is none
   * @throws IOException if it is unreadable or malformed
   */
  BackendJobState readState() throws IOException {
    String text = Files.readString(stateJson(), StandardCharsets.UTF_8);
    try {
      BackendJobState state = BackendJobState.fromJson(text);
      if (!state.jobId().equals(id)) {
        throw new IllegalArgumentException("it is the state of job " + state.jobId());
      }
      return state;
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed " + stateJson() + ": " + e.getMessage(), e);
    }
  }

  void writeEnding(String ending) throws IOException {
    writeAtomically(endingFile(), ending + "\n");
  }

  /** {@link #ENDING_STOPPED}, {@link #ENDING_TIMED_OUT}, or null. */
  @Nullable String readEnding() {
    try {
      String text = Files.readString(endingFile(), StandardCharsets.US_ASCII).trim();
      return text.isEmpty() ? null : text.toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return null;
    }
  }

  /** Writes {@code text} to a temporary file beside {@code target}, then moves it over target. */
  static void writeAtomically(Path target, String text) throws IOException {
    Path parent = Objects.requireNonNull(target.getParent(), "target has no parent");
    Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Appends one line to {@code file}, creating it if needed. */
  static void appendLine(Path file, String line) throws IOException {
    Files.writeString(
        file,
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE);
  }

  /** Deletes {@code root} and everything below it, never following symbolic links. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (!(e instanceof NoSuchFileException)) {
              Files.deleteIfExists(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e)
              throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
