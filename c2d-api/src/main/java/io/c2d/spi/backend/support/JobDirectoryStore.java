package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import io.c2d.model.JobId;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash-safe file store of a backend's jobs: one directory per job, {@code <root>/<jobId>/},
 * holding the job's {@link JobSpec} ({@value JobDirectory#JOB_JSON}) and its last {@link
 * BackendJobState} ({@value JobDirectory#STATE_JSON}), beside whatever else the backend keeps
 * there.
 *
 * <p>Crash safety: a job directory appears only complete. {@link #create} builds it under a
 * temporary name starting with {@value #CREATING_PREFIX} (spec and first state written and synced
 * inside), then renames it into place; a crash leaves at most a temporary directory, which {@link
 * #list} never returns and removes. Every later state is written to a temporary file, synced and
 * moved over the old one atomically ({@link #writeAtomically}), so a reader sees the old state or
 * the new one, never a part.
 *
 * <p>Thread-safe. One process at a time may own a root. Methods throw {@link IOException} for file
 * system failures; arguments are non-null.
 */
public final class JobDirectoryStore {
  /** The name suffix of a file being written atomically, before its rename: {@value}. */
  public static final String TEMPORARY_SUFFIX = ".tmp";

  /** The name prefix of a job directory under construction: {@value}. */
  public static final String CREATING_PREFIX = ".creating-";

  private static final Logger logger = LoggerFactory.getLogger(JobDirectoryStore.class);

  private final Path root;
  private final Set<String> creating = ConcurrentHashMap.newKeySet();
  private final CrashPoint crashPoint;

  private JobDirectoryStore(Path root, CrashPoint crashPoint) {
    this.root = root;
    this.crashPoint = crashPoint;
  }

  /** A store over {@code root} (created when the first job is). Does no I/O. */
  public static JobDirectoryStore of(Path root) {
    requireNonNull(root, "root");
    return new JobDirectoryStore(root.toAbsolutePath().normalize(), CrashPoint.NONE);
  }

  /**
   * A store whose writes call {@code crashPoint} between their steps; the crash-atomicity tests
   * throw from it to stop a write where a crash could.
   */
  static JobDirectoryStore withCrashPoint(Path root, CrashPoint crashPoint) {
    return new JobDirectoryStore(root.toAbsolutePath().normalize(), crashPoint);
  }

  /** The directory the job directories live in. */
  public Path root() {
    return root;
  }

  /** The directory of job {@code id}, whether it exists or not. */
  public JobDirectory directory(JobId id) {
    requireNonNull(id, "id");
    return new JobDirectory(id, root.resolve(id.value()), crashPoint);
  }

  /** The directory of job {@code id}, if it exists (a directory, not a link). */
  public Optional<JobDirectory> find(JobId id) {
    JobDirectory directory = directory(id);
    return directory.exists() ? Optional.of(directory) : Optional.empty();
  }

  /**
   * Durably creates the directory of {@code spec}'s job with its spec and {@code first} state; the
   * directory appears only once both are written and synced.
   *
   * <p>A directory of the job without a {@code job.json} (a backend's own files for a job whose
   * creation never completed) is an orphan: it is removed first.
   *
   * @throws FileAlreadyExistsException if the job already has a directory (two submits never share
   *     one)
   * @throws IOException if writing fails; nothing is left behind then
   */
  public JobDirectory create(JobSpec spec, BackendJobState first) throws IOException {
    requireNonNull(spec, "spec");
    requireNonNull(first, "first");
    JobDirectory target = directory(spec.jobId());
    Files.createDirectories(root);
    removeIfIncomplete(spec.jobId());
    if (Files.exists(target.path(), LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.path().toString());
    }
    String name = CREATING_PREFIX + spec.jobId().value() + "-" + UUID.randomUUID();
    creating.add(name);
    Path temp = root.resolve(name);
    try {
      Files.createDirectory(temp);
      crashPoint.reached("create: temporary directory made");
      writeAtomically(temp.resolve(JobDirectory.JOB_JSON), spec.toJson(), crashPoint);
      writeAtomically(temp.resolve(JobDirectory.STATE_JSON), first.toJson() + "\n", crashPoint);
      syncDirectory(temp);
      crashPoint.reached("create: spec and state written");
      try {
        // rename(2) refuses a non-empty target: a job directory that appeared meanwhile survives
        Files.move(temp, target.path(), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target.path());
      } catch (DirectoryNotEmptyException e) {
        throw new FileAlreadyExistsException(target.path().toString());
      }
      crashPoint.reached("create: renamed into place");
      syncDirectory(root);
      crashPoint.reached("create: root synced");
      return target;
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      creating.remove(name);
    }
  }

  /**
   * The ids of the jobs with a directory here, in id order. Leftovers of a creation that crashed
   * are removed (never the one being created right now); names that are no job id are skipped.
   *
   * @throws IOException if the root cannot be listed
   */
  public List<JobId> list() throws IOException {
    List<JobId> ids = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return ids;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (name.startsWith(CREATING_PREFIX)) {
          if (!creating.contains(name)) {
            removeLeftover(entry);
          }
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
    }
    ids.sort(Comparator.comparing(JobId::value));
    return ids;
  }

  /**
   * Removes the directory of job {@code id} if it has no {@code job.json}: no creation through
   * {@link #create} ever leaves one, so it holds what a backend kept for a job that was never
   * completely created (an orphan, not a job). Returns whether one was removed.
   *
   * @throws IOException if it cannot be removed
   */
  public boolean removeIfIncomplete(JobId id) throws IOException {
    JobDirectory directory = directory(id);
    if (!directory.exists() || directory.isComplete()) {
      return false;
    }
    deleteTree(directory.path());
    logger.info(
        "removed {}: a job directory without {} is no job", directory, JobDirectory.JOB_JSON);
    return true;
  }

  private static void removeLeftover(Path leftover) {
    try {
      deleteTree(leftover);
      logger.info("removed {}, left by a job creation that did not finish", leftover);
    } catch (IOException e) {
      logger.warn("could not remove {}, left by a job creation that did not finish", leftover, e);
    }
  }

  // -------------------------------------------------------------------------------------------
  // File helpers every backend needs

  /**
   * Writes {@code text} (UTF-8) to a temporary file beside {@code target}, syncs it, then moves it
   * over {@code target} atomically (where the file system cannot, with a plain replace).
   *
   * @throws IOException if writing or moving fails; {@code target} is then unchanged
   */
  public static void writeAtomically(Path target, String text) throws IOException {
    writeAtomically(target, text, CrashPoint.NONE);
  }

  /**
   * As {@link #writeAtomically(Path, String)}, calling {@code crashPoint} between the steps. The
   * rename is made durable too (the directory is synced), so a state once written survives a power
   * cut. A crash at any step leaves {@code target} old or new, whole, and at most a temporary file
   * ({@link #TEMPORARY_SUFFIX}) beside it, which {@link JobDirectory#removeTemporaries} removes.
   */
  static void writeAtomically(Path target, String text, CrashPoint crashPoint) throws IOException {
    Path parent = Objects.requireNonNull(target.getParent(), "target has no parent");
    Path temp = Files.createTempFile(parent, "." + target.getFileName(), TEMPORARY_SUFFIX);
    try {
      crashPoint.reached("write: temporary file made");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
        int half = bytes.limit() / 2;
        ByteBuffer first = bytes.duplicate();
        first.limit(half);
        channel.write(first);
        crashPoint.reached("write: temporary file half written");
        bytes.position(half);
        channel.write(bytes);
        crashPoint.reached("write: temporary file written");
        channel.force(true);
      }
      crashPoint.reached("write: temporary file synced");
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      crashPoint.reached("write: renamed over the target");
      syncDirectory(parent);
      crashPoint.reached("write: directory synced");
    } catch (IOException | RuntimeException e) {
      // a crash (not modelled by exceptions) leaves the temporary file; a failure does not
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Appends one line (UTF-8, then a newline) to {@code file}, creating it if needed. */
  public static void appendLine(Path file, String line) throws IOException {
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
   * removed, not its target). Directories an algorithm made unwritable are made writable first. A
   * missing {@code root} is fine.
   */
  public static void deleteTree(Path root) throws IOException {
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

  /** Makes a rename in {@code dir} durable where the platform allows it (Linux: fsync on it). */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // not every platform can open a directory; the rename is still atomic
    }
  }

  @Override
  public String toString() {
    return "JobDirectoryStore{" + root + '}';
  }

  /** Where a write may stop: the crash-atomicity tests throw from it. */
  @FunctionalInterface
  interface CrashPoint {
    CrashPoint NONE = step -> {};

    /** The write reached {@code step}. */
    void reached(String step);
  }
}
