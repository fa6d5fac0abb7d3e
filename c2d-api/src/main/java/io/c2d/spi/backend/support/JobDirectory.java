package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The directory of one job in a {@link JobDirectoryStore}, and the files every backend keeps there:
 *
 * <pre>
 * job.json            the JobSpec, written once when the job is created
 * state.json          the last reported status, exit code, detail, results and time
 * ending              "stopped" or "timed-out" once a stop or the timeout was decided
 * configuration.log   staging steps, appended as they happen
 * results/outputs/    the collected outputs, capped
 * results/logs/       algorithm.log, configuration.log and publish.log, capped
 * </pre>
 *
 * <p>A backend may keep more files beside these ({@link #resolve}).
 *
 * <p>Immutable and thread-safe; the files themselves are guarded by the job (one writer at a time).
 * Methods that read or write throw {@link IOException} for file-system failures.
 */
public final class JobDirectory {
  /** The spec's file name: {@value}. */
  public static final String JOB_JSON = "job.json";

  /** The state's file name: {@value}. */
  public static final String STATE_JSON = "state.json";

  /** The content of the ending file once a stop was decided: {@value}. */
  public static final String ENDING_STOPPED = "stopped";

  /** The content of the ending file once the maximum duration was reached: {@value}. */
  public static final String ENDING_TIMED_OUT = "timed-out";

  /**
   * The content of the ending file once the algorithm was killed for writing past the log cap:
   * {@value}.
   */
  public static final String ENDING_LOG_CAP = "log-cap";

  /**
   * The content of the ending file once the algorithm was killed for writing past its disk quota:
   * {@value}.
   */
  public static final String ENDING_DISK_QUOTA = "disk-quota";

  private final JobId id;
  private final Path path;
  private final JobDirectoryStore.CrashPoint crashPoint;

  JobDirectory(JobId id, Path path, JobDirectoryStore.CrashPoint crashPoint) {
    this.id = id;
    this.path = path;
    this.crashPoint = crashPoint;
  }

  /** The job's id. */
  public JobId id() {
    return id;
  }

  /** The directory itself. */
  public Path path() {
    return path;
  }

  /** A file or directory of the backend's own in the job's directory. */
  public Path resolve(String name) {
    return path.resolve(requireNonNull(name, "name"));
  }

  /** Whether the directory exists (a directory, not a link). */
  public boolean exists() {
    return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Whether the directory holds a {@code job.json}: a job directory made by {@link
   * JobDirectoryStore#create} always does, from the instant it exists.
   */
  public boolean isComplete() {
    return Files.isRegularFile(path.resolve(JOB_JSON), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Removes the temporary files an atomic write cut short by a crash left in the directory (never
   * anything else); a failure is ignored, the next call tries again.
   */
  public void removeTemporaries() {
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(path, entry -> isTemporary(entry.getFileName().toString()))) {
      for (Path entry : entries) {
        if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(entry);
        }
      }
    } catch (IOException e) {
      // best effort: a leftover temporary file is never read as a state
    }
  }

  private static boolean isTemporary(String name) {
    return name.startsWith(".") && name.endsWith(JobDirectoryStore.TEMPORARY_SUFFIX);
  }

  /** {@code configuration.log}. */
  public Path configurationLog() {
    return path.resolve("configuration.log");
  }

  /** Where the collected results live. */
  public Path results() {
    return path.resolve("results");
  }

  /** Where results of {@code kind} are kept: outputs and logs apart, so their names never clash. */
  public Path resultArea(ResultKind kind) {
    return results().resolve(kind == ResultKind.OUTPUT ? "outputs" : "logs");
  }

  /**
   * Reads {@code job.json}.
   *
   * @throws IOException if it is missing, unreadable, malformed or the spec of another job
   */
  public JobSpec readSpec() throws IOException {
    Path file = path.resolve(JOB_JSON);
    JobSpec spec;
    try {
      spec = JobSpec.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed " + file + ": " + e.getMessage(), e);
    }
    if (!spec.jobId().equals(id)) {
      throw new IOException(file + " is the spec of another job, " + spec.jobId());
    }
    return spec;
  }

  /**
   * Reads {@code state.json}.
   *
   * @throws NoSuchFileException if there is none
   * @throws IOException if it is unreadable, malformed or the state of another job
   */
  public BackendJobState readState() throws IOException {
    Path file = path.resolve(STATE_JSON);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      BackendJobState state = BackendJobState.fromJson(text);
      if (!state.jobId().equals(id)) {
        throw new IllegalArgumentException("it is the state of job " + state.jobId());
      }
      return state;
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed " + file + ": " + e.getMessage(), e);
    }
  }

  /** Replaces {@code state.json} atomically. */
  public void writeState(BackendJobState state) throws IOException {
    JobDirectoryStore.writeAtomically(path.resolve(STATE_JSON), state.toJson() + "\n", crashPoint);
  }

  /**
   * Records how the job is ending ({@link #ENDING_STOPPED}, {@link #ENDING_TIMED_OUT}, {@link
   * #ENDING_LOG_CAP} or {@link #ENDING_DISK_QUOTA}).
   */
  public void writeEnding(String ending) throws IOException {
    JobDirectoryStore.writeAtomically(path.resolve("ending"), ending + "\n", crashPoint);
  }

  /** The ending {@link #writeEnding} recorded, or null if none was. */
  public @Nullable String readEnding() {
    try {
      String text = Files.readString(path.resolve("ending"), StandardCharsets.US_ASCII).trim();
      return text.isEmpty() ? null : text.toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return null;
    }
  }

  /** Appends a line to {@code configuration.log}. */
  public void appendConfigurationLog(String line) throws IOException {
    JobDirectoryStore.appendLine(configurationLog(), line);
  }

  /** Deletes the directory and everything in it, never following links. */
  public void delete() throws IOException {
    JobDirectoryStore.deleteTree(path);
  }

  /**
   * Opens one listed result of an ended job, from its result area only.
   *
   * @param current the job's state: it must be terminal and list {@code wanted}
   * @throws NotFoundException if the job has not ended, did not list {@code wanted}, or the file
   *     leaves the result area
   * @throws NoSuchFileException if the listed file is gone
   * @throws IOException if the file cannot be opened
   */
  public InputStream openResult(BackendJobState current, JobResult wanted) throws IOException {
    if (!current.status().isTerminal()) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "job " + id + " has not ended; its results are not ready");
    }
    JobResult listed = null;
    for (JobResult result : current.results()) {
      if (result.name().equals(wanted.name()) && result.kind() == wanted.kind()) {
        listed = result;
        break;
      }
    }
    if (listed == null) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id + " has no " + wanted.kind().oceanType() + " result " + wanted.name());
    }
    Path area = resultArea(listed.kind()).toAbsolutePath().normalize();
    Path file = area.resolve(listed.name()).normalize();
    if (!file.startsWith(area) || !file.toRealPath().startsWith(area.toRealPath())) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "result " + listed.name() + " leaves the result area");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof JobDirectory other && id.equals(other.id) && path.equals(other.path);
  }

  @Override
  public int hashCode() {
    return path.hashCode();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
