package io.c2d;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.JobId;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectoryStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs an engine acknowledged as {@code QUEUED} (waiting for capacity), kept on disk from
 * before the acknowledgment until their backend holds them or they end, so a restarted engine
 * queues them again in their order. One file per job, {@code <jobId>.json} in the {@code queue/}
 * directory below the state directory: the job's spec (owner, request, resources), whether it is
 * free, and its place in the order (a sequence number). Each is written as temporary file, fsync,
 * atomic rename, fsync of the directory ({@link JobDirectoryStore#writeAtomically}), so a crash
 * leaves no file or a whole one.
 *
 * <p>Without a directory ({@link #inMemory()}) nothing is kept: a restart loses queued jobs.
 *
 * <p>Thread-safe: each job's file is written and removed under its record's lock by the engine; the
 * sequence is atomic.
 */
final class QueuedJobStore {
  private static final Logger logger = LoggerFactory.getLogger(ComputeEngine.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SUFFIX = ".json";

  /** The name suffix a file that cannot be read is renamed to, kept for the operator. */
  static final String UNREADABLE_SUFFIX = ".unreadable";

  /** A queued job read back: its place in the order, whether it is free, and its spec. */
  record Entry(long sequence, boolean free, JobSpec spec) {}

  /** A file that could not be read back, set aside with its reason. */
  record Unreadable(Path file, UnavailableException reason) {}

  /** What {@link #load()} found: the readable entries in their order, and the unreadable files. */
  record Loaded(List<Entry> entries, List<Unreadable> unreadable) {}

  private final @Nullable Path directory;
  private final AtomicLong sequence = new AtomicLong();

  private QueuedJobStore(@Nullable Path directory) {
    this.directory = directory;
  }

  /**
   * A store in {@code directory}, created if missing.
   *
   * @throws UnavailableException ({@link ErrorCode#BACKEND_FAILURE}) if it cannot be created
   */
  static QueuedJobStore open(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "cannot open the queue of waiting jobs in " + directory + " (" + e + ")",
          e);
    }
    return new QueuedJobStore(directory);
  }

  /** A store that keeps nothing: queued jobs live in memory only and a restart loses them. */
  static QueuedJobStore inMemory() {
    return new QueuedJobStore(null);
  }

  /** Whether queued jobs survive a restart. */
  boolean durable() {
    return directory != null;
  }

  /**
   * Writes the queued job durably, after every job saved before it in the order.
   *
   * @throws UnavailableException ({@link ErrorCode#BACKEND_FAILURE}) if it cannot be written
   */
  void save(JobSpec spec, boolean free) {
    if (directory == null) {
      return;
    }
    ObjectNode node = MAPPER.createObjectNode();
    node.put("version", 1);
    node.put("sequence", sequence.incrementAndGet());
    node.put("free", free);
    Path file = file(spec.jobId());
    try {
      node.set("spec", MAPPER.readTree(spec.toJson()));
      JobDirectoryStore.writeAtomically(file, MAPPER.writeValueAsString(node) + "\n");
    } catch (IOException e) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "cannot keep queued job " + spec.jobId() + " on disk (" + e + "); it was not queued",
          e);
    }
  }

  /** Forgets the job's file, if it has one; a failure is logged (the next start removes it). */
  void forget(JobId id) {
    if (directory == null) {
      return;
    }
    try {
      if (Files.deleteIfExists(file(id))) {
        // the removal is made durable too: a job once dispatched or ended must not queue again
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
          dir.force(true);
        }
      }
    } catch (IOException e) {
      logger.warn("could not remove queued job {} from {}", id, directory, e);
    }
  }

  /**
   * Reads every queued job back, in their order, and removes what a crash left half-written. A file
   * that cannot be read (not written by this store, or damaged on disk) is renamed with {@link
   * #UNREADABLE_SUFFIX} and reported, never thrown: the other jobs still queue. Later saves come
   * after every job read.
   */
  Loaded load() {
    if (directory == null) {
      return new Loaded(List.of(), List.of());
    }
    List<Entry> entries = new ArrayList<>();
    List<Unreadable> unreadable = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory)) {
      listing.forEach(files::add);
    } catch (IOException e) {
      unreadable.add(
          new Unreadable(
              directory,
              new UnavailableException(
                  ErrorCode.BACKEND_FAILURE, "cannot list " + directory + " (" + e + ")", e)));
      return new Loaded(List.of(), unreadable);
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      if (name.endsWith(JobDirectoryStore.TEMPORARY_SUFFIX)) {
        // a write the crash interrupted before its rename: its start was never acknowledged
        deleteQuietly(file);
      } else if (name.endsWith(SUFFIX)) {
        try {
          entries.add(read(file));
        } catch (UnavailableException e) {
          unreadable.add(new Unreadable(file, e));
          setAside(file);
        }
      }
    }
    entries.sort(Comparator.comparingLong(Entry::sequence));
    long last = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).sequence();
    sequence.accumulateAndGet(last, Math::max);
    return new Loaded(List.copyOf(entries), List.copyOf(unreadable));
  }

  private static Entry read(Path file) {
    try {
      JsonNode node = MAPPER.readTree(Files.readString(file, UTF_8));
      if (node == null
          || !node.isObject()
          || node.path("version").asInt() != 1
          || !node.path("sequence").canConvertToLong()
          || !node.path("free").isBoolean()
          || !node.path("spec").isObject()) {
        throw new IllegalArgumentException("not a queued job of this engine");
      }
      JobSpec spec = JobSpec.fromJson(MAPPER.writeValueAsString(node.get("spec")));
      if (!file.getFileName().toString().equals(spec.jobId().value() + SUFFIX)) {
        throw new IllegalArgumentException("names job " + spec.jobId());
      }
      return new Entry(node.get("sequence").asLong(), node.get("free").asBoolean(), spec);
    } catch (IOException | RuntimeException e) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE, "queued job file " + file + " is unreadable (" + e + ")", e);
    }
  }

  private Path file(JobId id) {
    return java.util.Objects.requireNonNull(directory).resolve(id.value() + SUFFIX);
  }

  private static void setAside(Path file) {
    try {
      Files.move(
          file,
          file.resolveSibling(file.getFileName() + UNREADABLE_SUFFIX),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      logger.warn("could not set aside unreadable queued job file {}", file, e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      logger.warn("could not remove {}", file, e);
    }
  }
}
