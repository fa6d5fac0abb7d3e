package io.c2d;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import io.c2d.spi.auth.NonceStore;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link NonceStore}: every used nonce is appended to a journal file below a directory
 * and forced to disk before {@link #markUsed} returns true, so a restarted provider still refuses a
 * request signed (and used) before the restart. The engine uses it when a state directory is set
 * ({@link ComputeEngine.Builder#stateDirectory(Path)} or {@code c2d.state-dir}).
 *
 * <p>On {@link #open} the journal is read back, a torn last line (a crash in the middle of an
 * append) is ignored, entries whose request has expired are dropped, and the journal is rewritten
 * atomically with only the live ones. While running, the journal is rewritten the same way once
 * most of its entries have expired. A lock file keeps a second store (in this or another process)
 * off the same directory.
 *
 * <p>Ocean's per-consumer counters ({@link #advanceCounter}) are journalled the same way, as a line
 * {@code counter <address> <value>} forced to disk before the call returns true; they never expire,
 * and a compaction keeps each consumer's highest value, so a restart never lowers a counter and
 * never reopens an Ocean-format signature accepted before it.
 *
 * <p>Thread-safe: check and record happen under one lock, so of two concurrent calls with the same
 * consumer and nonce exactly one returns true. Calls are serialised by that lock and each waits for
 * its own disk write.
 *
 * <p>Fails closed: if the journal cannot be written or forced, {@link #markUsed} throws {@link
 * UnavailableException} (the engine refuses the request) and so does every later call, until the
 * store is opened again; a nonce is never accepted without being on disk.
 */
public final class FileNonceStore implements NonceStore, AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(FileNonceStore.class);
  static final String JOURNAL = "nonces.journal";
  private static final String LOCK = "nonces.lock";
  private static final int COMPACT_AT_LEAST = 4096;
  private static final String COUNTER = "counter";
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,78}");

  private final Object lock = new Object();
  private final Path directory;
  private final Path journal;
  private final Clock clock;
  private final int compactAtLeast;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  // Guarded by lock.
  private final Map<String, Instant> used = new HashMap<>();
  private final Map<EthAddress, BigInteger> counters = new HashMap<>();
  private @Nullable FileChannel out;
  private long journalEntries;
  private long nextCompactionCheck;
  private @Nullable String broken;

  private FileNonceStore(Path directory, Clock clock, int compactAtLeast) throws IOException {
    this.clock = clock;
    this.compactAtLeast = compactAtLeast;
    this.directory = directory;
    Files.createDirectories(directory);
    this.journal = directory.resolve(JOURNAL);
    this.lockChannel =
        FileChannel.open(
            directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      lockChannel.close();
      throw new IOException("another nonce store holds " + directory.resolve(LOCK));
    }
    this.fileLock = acquired;
    try {
      load(clock.instant());
      rewrite();
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    this.nextCompactionCheck = journalEntries + Math.max(compactAtLeast, liveEntries());
  }

  /**
   * Opens the store kept in {@code directory} (created if missing), reloading the nonces used
   * before.
   *
   * @throws UnavailableException if the directory or its journal cannot be read or written, the
   *     journal is corrupt (other than a torn last line), or another store holds the directory
   */
  public static FileNonceStore open(Path directory, Clock clock) {
    return open(directory, clock, COMPACT_AT_LEAST);
  }

  static FileNonceStore open(Path directory, Clock clock, int compactAtLeast) {
    requireNonNull(directory, "directory");
    requireNonNull(clock, "clock");
    try {
      return new FileNonceStore(directory, clock, compactAtLeast);
    } catch (IOException | RuntimeException e) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "cannot open the nonce store in " + directory + " (" + e.getMessage() + ")",
          e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws UnavailableException if the nonce cannot be recorded on disk, or the store is closed
   */
  @Override
  public boolean markUsed(EthAddress consumer, String nonce, Instant expiresAt) {
    String key =
        consumer.value() + ' ' + Base64.getUrlEncoder().encodeToString(nonce.getBytes(UTF_8));
    synchronized (lock) {
      FileChannel channel = writable();
      if (used.containsKey(key)) {
        return false;
      }
      append(channel, line(key, expiresAt));
      used.put(key, expiresAt);
      afterAppend();
      return true;
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws UnavailableException if the store is closed or broken
   */
  @Override
  public BigInteger counter(EthAddress consumer) {
    requireNonNull(consumer, "consumer");
    synchronized (lock) {
      writable();
      return counters.getOrDefault(consumer, BigInteger.ZERO);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws UnavailableException if the new value cannot be recorded on disk, or the store is
   *     closed
   */
  @Override
  public boolean advanceCounter(EthAddress consumer, BigInteger nonce) {
    requireNonNull(consumer, "consumer");
    requireNonNull(nonce, "nonce");
    if (nonce.signum() < 0) {
      throw new IllegalArgumentException("nonce must not be negative but was " + nonce);
    }
    synchronized (lock) {
      FileChannel channel = writable();
      if (nonce.compareTo(counters.getOrDefault(consumer, BigInteger.ZERO)) <= 0) {
        return false;
      }
      append(channel, counterLine(consumer, nonce));
      counters.put(consumer, nonce);
      afterAppend();
      return true;
    }
  }

  /** The open journal; caller holds the lock. */
  private FileChannel writable() {
    FileChannel channel = out;
    if (channel == null || broken != null) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "the nonce store in "
              + this.directory
              + " is unavailable ("
              + (broken != null ? broken : "closed")
              + "); refusing the request");
    }
    return channel;
  }

  /** Appends one line and forces it to disk; caller holds the lock. */
  private void append(FileChannel channel, String line) {
    try {
      writeFully(channel, line);
      channel.force(false);
    } catch (IOException e) {
      // A partial line may be on disk now; appending after it would corrupt the journal.
      broken = "writing " + journal + " failed: " + e.getMessage();
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE, "cannot record the nonce; refusing the request", e);
    }
  }

  private void afterAppend() {
    journalEntries++;
    if (journalEntries >= nextCompactionCheck) {
      compactIfWorthIt();
    }
  }

  private int liveEntries() {
    return used.size() + counters.size();
  }

  /** Closes the journal and releases the directory; later calls fail closed. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closeQuietly();
    }
  }

  int size() {
    synchronized (lock) {
      return used.size();
    }
  }

  private void load(Instant now) throws IOException {
    if (!Files.exists(journal)) {
      return;
    }
    String text = new String(Files.readAllBytes(journal), UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < text.length() - 1) {
      logger.warn("ignoring the torn last line of {} (a crash while appending)", journal);
    }
    if (end < 0) {
      return;
    }
    int lineNumber = 0;
    for (String line : text.substring(0, end).split("\n", -1)) {
      lineNumber++;
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split(" ", -1);
      if (parts.length == 3 && parts[0].equals(COUNTER)) {
        loadCounter(parts, lineNumber);
        continue;
      }
      long expiresMillis;
      try {
        if (parts.length != 3) {
          throw new NumberFormatException();
        }
        expiresMillis = Long.parseLong(parts[0]);
      } catch (NumberFormatException e) {
        throw new IOException("line " + lineNumber + " of " + journal + " is corrupt", e);
      }
      Instant expiresAt = Instant.ofEpochMilli(expiresMillis);
      if (!expiresAt.isBefore(now)) {
        used.put(parts[1] + ' ' + parts[2], expiresAt);
      }
    }
  }

  private void loadCounter(String[] parts, int lineNumber) throws IOException {
    EthAddress consumer;
    try {
      consumer = EthAddress.of(parts[1]);
    } catch (RuntimeException e) {
      throw new IOException("line " + lineNumber + " of " + journal + " is corrupt", e);
    }
    if (!DECIMAL.matcher(parts[2]).matches() || !consumer.value().equals(parts[1])) {
      throw new IOException("line " + lineNumber + " of " + journal + " is corrupt");
    }
    counters.merge(consumer, new BigInteger(parts[2]), BigInteger::max);
  }

  private void compactIfWorthIt() {
    Instant now = clock.instant();
    used.values().removeIf(expiresAt -> expiresAt.isBefore(now));
    if (journalEntries >= 2L * liveEntries()) {
      try {
        rewrite();
      } catch (IOException e) {
        if (out == null) {
          broken = "reopening " + journal + " after compaction failed: " + e.getMessage();
        }
        logger.warn("compacting {} failed; it keeps growing", journal, e);
      }
    }
    nextCompactionCheck = journalEntries + Math.max(compactAtLeast, liveEntries());
  }

  /** Replaces the journal with the live entries: temp file, fsync, atomic move, fsync the dir. */
  private void rewrite() throws IOException {
    Path temp = journal.resolveSibling(JOURNAL + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      StringBuilder chunk = new StringBuilder();
      for (Map.Entry<String, Instant> entry : used.entrySet()) {
        chunk.append(line(entry.getKey(), entry.getValue()));
        if (chunk.length() > 64 * 1024) {
          writeFully(channel, chunk.toString());
          chunk.setLength(0);
        }
      }
      for (Map.Entry<EthAddress, BigInteger> entry : counters.entrySet()) {
        chunk.append(counterLine(entry.getKey(), entry.getValue()));
        if (chunk.length() > 64 * 1024) {
          writeFully(channel, chunk.toString());
          chunk.setLength(0);
        }
      }
      writeFully(channel, chunk.toString());
      channel.force(true);
    }
    FileChannel previous = out;
    out = null;
    if (previous != null) {
      previous.close();
    }
    Files.move(temp, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(this.directory);
    out = FileChannel.open(journal, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    journalEntries = liveEntries();
  }

  private static void forceDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory; the rename is then as durable as they make it.
      logger.debug("cannot force directory {}", directory, e);
    }
  }

  private static String line(String key, Instant expiresAt) {
    return expiresAt.toEpochMilli() + " " + key + '\n';
  }

  private static String counterLine(EthAddress consumer, BigInteger value) {
    return COUNTER + ' ' + consumer.value() + ' ' + value + '\n';
  }

  private static void writeFully(FileChannel channel, String text) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(UTF_8));
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private void closeQuietly() {
    FileChannel channel = out;
    out = null;
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      logger.warn("closing {} failed", journal, e);
    }
    try {
      if (fileLock.isValid()) {
        fileLock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      logger.warn("releasing the lock of {} failed", this.directory, e);
    }
  }
}
