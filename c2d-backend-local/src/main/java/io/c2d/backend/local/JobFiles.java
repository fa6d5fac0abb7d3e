package io.c2d.backend.local;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where one job of the embedded backend keeps its things, below {@code <workRoot>/<jobId>/}, and
 * how its small state files are written (atomically) and read.
 *
 * <pre>
 * job.json            the JobSpec, written once on submit
 * state.json          the last reported status, exit code, detail, results and time
 * pid                 the wrapper process's pid and start time, once it runs
 * exitcode            the entrypoint's exit code, written by the wrapper shell when it returns
 * ending              "stopped" or "timed-out" once a stop or the timeout was decided
 * configuration.log   staging steps, appended as they happen
 * algorithm.log       the algorithm's stdout and stderr, uncapped while it runs
 * data/               the sandbox layout: inputs/, ddos/, transformations/, outputs/, logs/
 * results/outputs/    the collected outputs, capped
 * results/logs/       algorithm.log, configuration.log and publish.log, capped
 * </pre>
 *
 * <p>Immutable and thread-safe; the files themselves are guarded by the job's lock.
 */
final class JobFiles {
  static final String ENDING_STOPPED = "stopped";
  static final String ENDING_TIMED_OUT = "timed-out";

  private final JobId id;
  private final Path workRoot;
  private final Path dir;

  private JobFiles(JobId id, Path workRoot) {
    this.id = id;
    this.workRoot = workRoot;
    this.dir = workRoot.resolve(id.value());
  }

  static JobFiles of(Path workRoot, JobId id) {
    return new JobFiles(id, workRoot);
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

  Path pidFile() {
    return dir.resolve("pid");
  }

  Path exitCodeFile() {
    return dir.resolve("exitcode");
  }

  Path endingFile() {
    return dir.resolve("ending");
  }

  Path configurationLog() {
    return dir.resolve("configuration.log");
  }

  Path algorithmLog() {
    return dir.resolve("algorithm.log");
  }

  Path tmp() {
    return dir.resolve("tmp");
  }

  Path data() {
    return dir.resolve("data");
  }

  Path inputs() {
    return data().resolve("inputs");
  }

  Path ddos() {
    return data().resolve("ddos");
  }

  Path transformations() {
    return data().resolve("transformations");
  }

  Path algorithm() {
    return transformations().resolve("algorithm");
  }

  Path customData() {
    return inputs().resolve("algoCustomData.json");
  }

  Path outputs() {
    return data().resolve("outputs");
  }

  Path logs() {
    return data().resolve("logs");
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
    Files.createDirectories(workRoot);
    Files.createDirectory(dir);
  }

  /** Creates the sandbox layout. */
  void createLayout() throws IOException {
    for (Path path : List.of(inputs(), ddos(), transformations(), outputs(), logs(), tmp())) {
      Files.createDirectories(path);
    }
  }

  // -------------------------------------------------------------------------------------------
  // job.json and state.json

  void writeSpec(JobSpec spec) throws IOException {
    writeAtomically(jobJson(), spec.toJson());
  }

  JobSpec readSpec() throws IOException {
    return JobSpec.fromJson(Files.readString(jobJson(), StandardCharsets.UTF_8));
  }

  void writeState(BackendJobState state) throws IOException {
    writeAtomically(stateJson(), state.toJson() + "\n");
  }

  /**
   * Reads {@code state.json}.
   *
   * @throws IOException if it is missing or malformed
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

  // -------------------------------------------------------------------------------------------
  // pid, exit code, ending

  void writePid(ProcessHandle process) throws IOException {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    writeAtomically(pidFile(), process.pid() + " " + started + "\n");
  }

  /** The job's process, if its pid file names one that is still alive and is the same process. */
  Optional<ProcessHandle> liveProcess() {
    String text;
    try {
      text = Files.readString(pidFile(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return Optional.empty();
    }
    String[] parts = text.split(" ", -1);
    try {
      long pid = Long.parseLong(parts[0]);
      long started = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(handle -> !isZombie(pid))
          .filter(
              handle ->
                  started < 0
                      || handle
                          .info()
                          .startInstant()
                          .map(instant -> instant.toEpochMilli() == started)
                          .orElse(true));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code pid} is a zombie: ended, but not reaped by its parent (an orphan's parent is
   * init, which in some containers never reaps). The JDK counts zombies as alive. Linux only;
   * elsewhere false.
   */
  static boolean isZombie(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.US_ASCII);
      int end = text.lastIndexOf(')');
      char state = end >= 0 && end + 2 < text.length() ? text.charAt(end + 2) : '?';
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The exit code the wrapper wrote, or null if there is none (yet) or it is unreadable. */
  @Nullable Integer readExitCode() {
    try {
      String text = Files.readString(exitCodeFile(), StandardCharsets.US_ASCII).trim();
      return Integer.valueOf(text);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  boolean hasExitCode() {
    return Files.exists(exitCodeFile(), LinkOption.NOFOLLOW_LINKS);
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

  // -------------------------------------------------------------------------------------------

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

  /**
   * Deletes {@code root} and everything below it, never following symbolic links (a link is
   * removed, not its target). Directories the algorithm made unwritable are made writable first.
   */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            try {
              Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException | UnsupportedOperationException e) {
              // best effort: the deletion below reports what really fails
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            Files.deleteIfExists(file);
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
