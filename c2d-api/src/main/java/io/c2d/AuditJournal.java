package io.c2d;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The publisher's audit record of result decisions: an append-only journal of JSON lines in {@code
 * audit.journal} below the state directory, each forced to disk before {@link #append} returns, or
 * a list in memory without a state directory. It is also what the engine rebuilds its verdicts from
 * after a restart.
 *
 * <p>Fails closed, like {@link FileNonceStore}: on open a torn last line (a crash in the middle of
 * an append) is cut off, any other line that is not an entry in sequence makes {@link #open} fail;
 * once a write fails every later append throws {@link UnavailableException}, and the engine then
 * withholds what it could not record. A lock file keeps a second engine off the directory.
 *
 * <p>Thread-safe: appends are serialised by one lock.
 */
final class AuditJournal implements AutoCloseable {
  static final String JOURNAL = "audit.journal";
  private static final String LOCK = "audit.lock";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Object lock = new Object();
  private final Clock clock;
  private final @Nullable Path journal;
  private final @Nullable FileChannel lockChannel;
  private final @Nullable FileLock fileLock;
  // Guarded by lock.
  private final List<AuditEntry> entries = new ArrayList<>();
  private @Nullable FileChannel out;
  private @Nullable String broken;

  private AuditJournal(
      Clock clock,
      @Nullable Path journal,
      @Nullable FileChannel lockChannel,
      @Nullable FileLock fileLock) {
    this.clock = clock;
    this.journal = journal;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
  }

  /** A record kept in memory only: a restart forgets it. */
  static AuditJournal inMemory(Clock clock) {
    return new AuditJournal(clock, null, null, null);
  }

  /**
   * Opens the journal in {@code directory} (created if missing) and reads it back.
   *
   * @throws UnavailableException if it cannot be read or written, is corrupt (other than a torn
   *     last line), or another engine holds the directory
   */
  static AuditJournal open(Path directory, Clock clock) {
    FileChannel lockChannel = null;
    try {
      Files.createDirectories(directory);
      lockChannel =
          FileChannel.open(
              directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock acquired;
      try {
        acquired = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        acquired = null;
      }
      if (acquired == null) {
        throw new IOException("another engine holds " + directory.resolve(LOCK));
      }
      AuditJournal journal =
          new AuditJournal(clock, directory.resolve(JOURNAL), lockChannel, acquired);
      journal.load();
      return journal;
    } catch (IOException | RuntimeException e) {
      if (lockChannel != null) {
        try {
          lockChannel.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "cannot open the audit record in " + directory + " (" + e.getMessage() + ")",
          e);
    }
  }

  /**
   * Records one decision, durably when there is a journal file.
   *
   * @throws UnavailableException if it cannot be written (and from then on)
   */
  AuditEntry append(
      JobId jobId,
      List<Did> assets,
      String actor,
      String resultName,
      ResultKind kind,
      ResultNotice.State state,
      String reason,
      String sha256,
      String report) {
    synchronized (lock) {
      if (broken != null) {
        throw unavailable(broken, null);
      }
      AuditEntry entry =
          new AuditEntry(
              entries.size() + 1L,
              clock.instant(),
              jobId,
              assets,
              actor,
              resultName,
              kind,
              state,
              reason,
              sha256,
              report);
      if (journal != null) {
        try {
          FileChannel channel = out;
          if (channel == null) {
            throw new IOException("the audit record is closed");
          }
          ByteBuffer line = ByteBuffer.wrap((write(entry) + "\n").getBytes(UTF_8));
          while (line.hasRemaining()) {
            channel.write(line);
          }
          channel.force(false);
        } catch (IOException e) {
          broken = "writing " + journal + " failed: " + e.getMessage();
          throw unavailable(broken, e);
        }
      }
      entries.add(entry);
      return entry;
    }
  }

  /** Every entry, oldest first. */
  List<AuditEntry> entries() {
    synchronized (lock) {
      return List.copyOf(entries);
    }
  }

  /** The entries of {@code jobId}, oldest first. */
  List<AuditEntry> entries(JobId jobId) {
    synchronized (lock) {
      return entries.stream().filter(e -> e.jobId().equals(jobId)).toList();
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      try {
        if (out != null) {
          out.close();
        }
        if (fileLock != null) {
          fileLock.release();
        }
        if (lockChannel != null) {
          lockChannel.close();
        }
      } catch (IOException e) {
        // closing: nothing left to protect, the lines written were forced
      }
      out = null;
    }
  }

  private void load() throws IOException {
    Path file = java.util.Objects.requireNonNull(journal);
    byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    int start = 0;
    int lineNumber = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      lineNumber++;
      String line = new String(bytes, start, i - start, UTF_8);
      AuditEntry entry;
      try {
        entry = read(line);
      } catch (IOException | RuntimeException e) {
        throw new IOException("line " + lineNumber + " of " + file + " is corrupt", e);
      }
      if (entry.sequence() != entries.size() + 1L) {
        throw new IOException(
            "line "
                + lineNumber
                + " of "
                + file
                + " is out of sequence ("
                + entry.sequence()
                + ")");
      }
      entries.add(entry);
      start = i + 1;
    }
    out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    // A torn last line (no newline: the crash came mid-append) was never acknowledged: cut it.
    out.truncate(start);
    out.position(start);
    out.force(true);
  }

  private static String write(AuditEntry entry) throws IOException {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("seq", entry.sequence());
    node.put("at", entry.at().toString());
    node.put("job", entry.jobId().value());
    var assets = node.putArray("assets");
    entry.assets().forEach(did -> assets.add(did.value()));
    node.put("actor", entry.actor());
    node.put("result", entry.resultName());
    node.put("kind", entry.resultKind().name());
    node.put("state", entry.state().name());
    node.put("reason", entry.reason());
    node.put("sha256", entry.sha256());
    node.put("report", entry.report());
    return MAPPER.writeValueAsString(node);
  }

  private static AuditEntry read(String line) throws IOException {
    JsonNode node = MAPPER.readTree(line);
    if (node == null || !node.isObject()) {
      throw new IOException("not a JSON object");
    }
    List<Did> assets = new ArrayList<>();
    for (JsonNode did : node.path("assets")) {
      assets.add(Did.of(did.asText()));
    }
    return new AuditEntry(
        required(node, "seq").asLong(),
        Instant.parse(required(node, "at").asText()),
        JobId.of(required(node, "job").asText()),
        assets,
        required(node, "actor").asText(),
        required(node, "result").asText(),
        ResultKind.valueOf(required(node, "kind").asText()),
        ResultNotice.State.valueOf(required(node, "state").asText()),
        required(node, "reason").asText(),
        required(node, "sha256").asText(),
        required(node, "report").asText());
  }

  private static JsonNode required(JsonNode node, String name) throws IOException {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw new IOException("no '" + name + "'");
    }
    return value;
  }

  private UnavailableException unavailable(String why, @Nullable Throwable cause) {
    return new UnavailableException(
        ErrorCode.BACKEND_FAILURE,
        "the audit record is unavailable (" + why + "); results are withheld",
        cause);
  }
}
