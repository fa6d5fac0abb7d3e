package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Collects one job's results into its {@link JobDirectory#results()} area, with the environment's
 * caps, and writes {@code publish.log}, the account of what was collected, skipped, cut or dropped.
 *
 * <p>A backend feeds it the outputs ({@link #addOutput(String, long, InputStream)} from a stream
 * such as an archive's entries, {@link #addOutputFile} or {@link #addOutputDirectory} from the
 * host) and the logs ({@link #addLog}, {@link #openLog}), then calls {@link #finish}. Its promises:
 * an output name {@link JobResult#checkName} refuses, or one that would leave the result area, is
 * skipped; links (symbolic or hard), devices and FIFOs are skipped, never followed; outputs are
 * kept in the order given up to the output cap in total (the one that crosses it is cut, later ones
 * with content are dropped), at most {@value #MAX_OUTPUT_FILES} of them; each log up to the log
 * cap; every cut is reported in {@link Collected#cuts()}. Results are listed in the order added,
 * {@code publish.log} last.
 *
 * <p>Not thread-safe: one collection per job at a time, on one thread. Methods throw {@link
 * IOException} when the result area cannot be written; an output that cannot be read is skipped and
 * noted instead.
 */
public final class ResultCollector {
  /** At most this many outputs are kept; the rest are dropped and the job says so. */
  public static final int MAX_OUTPUT_FILES = 10_000;

  private final JobDirectory directory;
  private final long maxOutputBytes;
  private final long maxLogBytes;
  private final Clock clock;
  private final StringBuilder publishLog = new StringBuilder();
  private final List<JobResult> results = new ArrayList<>();
  private final List<String> cuts = new ArrayList<>();
  private long outputBytes;
  private int outputs;
  private int droppedBeyondCount;
  private @Nullable String failure;
  private @Nullable String quotaExceeded;
  private long largestOutput;
  private boolean finished;

  private ResultCollector(
      JobDirectory directory, long maxOutputBytes, long maxLogBytes, Clock clock) {
    this.directory = directory;
    this.maxOutputBytes = maxOutputBytes;
    this.maxLogBytes = maxLogBytes;
    this.clock = clock;
  }

  /**
   * Starts a collection for the job in {@code directory}, replacing any earlier one.
   *
   * @throws IOException if the result area cannot be cleared or created
   */
  public static ResultCollector start(
      JobDirectory directory, long maxOutputBytes, long maxLogBytes, Clock clock)
      throws IOException {
    requireNonNull(directory, "directory");
    requireNonNull(clock, "clock");
    if (maxOutputBytes < 0 || maxLogBytes < 0) {
      throw new IllegalArgumentException(
          "caps must be at least 0 but were " + maxOutputBytes + " and " + maxLogBytes);
    }
    JobDirectoryStore.deleteTree(directory.results());
    Files.createDirectories(directory.resultArea(ResultKind.OUTPUT));
    Files.createDirectories(directory.resultArea(ResultKind.ALGORITHM_LOG));
    ResultCollector collector = new ResultCollector(directory, maxOutputBytes, maxLogBytes, clock);
    collector.note("collecting the results of job " + directory.id());
    return collector;
  }

  /** The job whose results these are. */
  public JobId jobId() {
    return directory.id();
  }

  /**
   * Adds a line to {@code publish.log}. Kept in memory up to just past the log cap (an algorithm
   * may leave millions of entries to skip); the log is cut at the cap when written.
   */
  public void note(String line) {
    if (publishLog.length() <= maxLogBytes) {
      publishLog.append(clock.instant()).append(' ').append(line).append('\n');
    }
  }

  /** Whether a cap cut or dropped something so far. */
  public boolean cutSoFar() {
    return !cuts.isEmpty() || droppedBeyondCount > 0;
  }

  /** Notes that output {@code name} was skipped and why. */
  public void skip(String name, String why) {
    note("skipped " + show(name) + ": " + why);
  }

  /**
   * Says the outputs could not be fetched (and notes it): a job that would complete fails with
   * {@code RESULTS_FETCH_FAILED} and this detail.
   */
  public void outputsFailed(String detail) {
    requireNonNull(detail, "detail");
    note(detail);
    if (failure == null) {
      failure = detail;
    }
  }

  /**
   * Says the algorithm reached its disk quota (and notes it), as the sandbox saw once it ended (a
   * file as large as its file-size limit, say): a job that would complete or fail with an exit code
   * ends {@code DISK_QUOTA_EXCEEDED} with this detail, its results still listed.
   */
  public void quotaExceeded(String detail) {
    requireNonNull(detail, "detail");
    note(detail);
    if (quotaExceeded == null) {
      quotaExceeded = detail;
    }
  }

  /**
   * The size of the largest output offered so far, as its source gave it (before any cut at the
   * cap; kept, cut or dropped), or 0.
   */
  public long largestOutputBytes() {
    return largestOutput;
  }

  /**
   * Adds one output named {@code name} (a {@code /}-separated path below the outputs) with {@code
   * size} bytes (as far as the source knows; -1 if unknown), read from {@code content}, which is
   * not closed. Returns whether it was kept (whole or cut).
   *
   * @throws IOException if the result area cannot be written; a failure reading {@code content} is
   *     noted and the output skipped
   */
  public boolean addOutput(String name, long size, InputStream content) throws IOException {
    requireNonNull(content, "content");
    Path target = outputTarget(name, size);
    if (target == null) {
      return false;
    }
    Copy copy;
    try (OutputStream out =
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      copy = copyCapped(content, out, maxOutputBytes - outputBytes);
    } catch (ReadFailure e) {
      Files.deleteIfExists(target);
      skip(name, "unreadable (" + e.getCause() + ")");
      return false;
    }
    keepOutput(name, copy);
    return true;
  }

  /**
   * Adds the regular file {@code file} as output {@code name}; a link is skipped, never followed.
   *
   * @throws IOException if the result area cannot be written
   */
  public boolean addOutputFile(String name, Path file) throws IOException {
    long size;
    InputStream in;
    try {
      BasicFileAttributes attrs =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isSymbolicLink()) {
        skip(name, "a symbolic link (links are never followed)");
        return false;
      }
      if (!attrs.isRegularFile()) {
        skip(name, "not a regular file");
        return false;
      }
      size = attrs.size();
      in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      skip(name, "unreadable (" + e + ")");
      return false;
    }
    try (InputStream content = in) {
      return addOutput(name, size, content);
    }
  }

  /**
   * Adds every regular file below {@code outputs} in name order: never following a link, skipping
   * anything whose real path leaves {@code outputs} or that is nested deeper than 32 levels. {@code
   * shownAs} names the directory in notes (e.g. {@code data/outputs}).
   *
   * @throws IOException if the result area cannot be written
   */
  public void addOutputDirectory(Path outputs, String shownAs) throws IOException {
    collectDirectory(outputs, shownAs, false);
  }

  /**
   * As {@link #addOutputDirectory}, but each file is linked into the result area rather than copied
   * where both lie on one file system (a hard link: a result of any size costs no copy), and the
   * one that crosses the output cap is copied up to the cap; across file systems, where links are
   * refused, or for a file with another name already (a hard link the algorithm made), it is copied
   * ({@link OutputLink}). For a backend whose sandbox wrote its outputs on this host into a
   * directory it deletes afterwards: the files stay in {@code outputs} until then, so a collection
   * a crash cut short is done again in full by the next instance (a move would have left them only
   * in the result area, which a new collection clears). The linked files are given the result
   * area's owner (where this process may) and made 0644.
   *
   * @throws IOException if the result area cannot be written
   */
  public void takeOutputDirectory(Path outputs, String shownAs) throws IOException {
    collectDirectory(outputs, shownAs, true);
  }

  private void collectDirectory(Path outputs, String shownAs, boolean move) throws IOException {
    for (OutputWalk.Candidate candidate : OutputWalk.regularFiles(this, outputs, shownAs)) {
      if (move) {
        OutputLink.take(this, candidate.name(), candidate.file());
      } else {
        addOutputFile(candidate.name(), candidate.file());
      }
    }
  }

  /**
   * Adds the log {@code source} as result {@code name} of {@code kind}, cut at the log cap; a
   * missing source or one that is not a regular file is left out.
   *
   * @throws IOException if the result area cannot be written
   */
  public void addLog(String name, ResultKind kind, Path source) throws IOException {
    addLog(name, kind, source, false);
  }

  /**
   * As {@link #addLog(String, ResultKind, Path)}, for a log the sandbox may already have cut at the
   * log cap as it was written: with {@code cutAtSource} its cut is reported as if made here.
   *
   * @throws IOException if the result area cannot be written
   */
  public void addLog(String name, ResultKind kind, Path source, boolean cutAtSource)
      throws IOException {
    if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path target = logTarget(name, kind);
    Copy copy;
    try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
        OutputStream out =
            Files.newOutputStream(
                target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      copy = copyCapped(in, out, maxLogBytes);
    } catch (ReadFailure e) {
      note("skipped " + name + ": unreadable (" + e.getCause() + ")");
      Files.deleteIfExists(target);
      return;
    }
    keepLog(name, kind, cutAtSource ? new Copy(copy.bytes(), true) : copy);
  }

  /**
   * A stream for a log that arrives in pieces (an engine's log stream): what is written beyond the
   * log cap is discarded; closing it lists the log and notes a cut.
   *
   * @throws IOException if the result area cannot be written
   */
  public OutputStream openLog(String name, ResultKind kind) throws IOException {
    Path target = logTarget(name, kind);
    OutputStream file =
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new OutputStream() {
      private long kept;
      private boolean cut;
      private boolean closed;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        int n = (int) Math.min(length, maxLogBytes - kept);
        if (n < length) {
          cut = true;
        }
        if (n > 0) {
          file.write(bytes, offset, n);
          kept += n;
        }
      }

      @Override
      public void close() throws IOException {
        if (!closed) {
          closed = true;
          file.close();
          keepLog(name, kind, new Copy(kept, cut));
        }
      }
    };
  }

  /**
   * Writes {@code publish.log} (cut at the log cap) and lists it last.
   *
   * @throws IOException if it cannot be written
   * @throws IllegalStateException if called twice
   */
  public Collected finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("the results of job " + jobId() + " were already finished");
    }
    finished = true;
    if (droppedBeyondCount > 0) {
      String cut = "dropped " + droppedBeyondCount + " outputs beyond " + outputs + " files";
      note(cut);
      cuts.add(cut);
    }
    note(
        "listed "
            + results.size()
            + " results"
            + (cuts.isEmpty() ? "" : "; cut or dropped at a cap: " + String.join("; ", cuts)));
    byte[] publish = publishLog.toString().getBytes(StandardCharsets.UTF_8);
    int kept = (int) Math.min(publish.length, maxLogBytes);
    if (kept < publish.length) {
      cuts.add("publish.log cut at " + kept + " bytes");
    }
    Files.write(
        directory.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"),
        Arrays.copyOf(publish, kept),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    results.add(new JobResult("publish.log", ResultKind.PUBLISH_LOG, kept, results.size()));
    return new Collected(List.copyOf(results), List.copyOf(cuts), failure, quotaExceeded);
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Where output {@code name} of {@code size} bytes goes, its parents made; null if it is skipped
   * or dropped (and noted).
   */
  @Nullable Path outputTarget(String name, long size) throws IOException {
    requireNonNull(name, "name");
    largestOutput = Math.max(largestOutput, size);
    if (!safeName(name)) {
      return null;
    }
    if (outputs == MAX_OUTPUT_FILES) {
      droppedBeyondCount++;
      return null;
    }
    long room = maxOutputBytes - outputBytes;
    if (room <= 0 && size != 0) {
      String cut =
          "dropped "
              + show(name)
              + (size > 0 ? " (" + size + " bytes)" : "")
              + ": outputs are capped at "
              + maxOutputBytes
              + " bytes";
      note(cut);
      cuts.add(cut);
      return null;
    }
    Path area = directory.resultArea(ResultKind.OUTPUT).toAbsolutePath().normalize();
    Path target = area.resolve(name).normalize();
    if (!target.startsWith(area) || target.equals(area)) {
      skip(name, "it leaves the result area");
      return null;
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      skip(name, "listed twice");
      return null;
    }
    Path parent = target.getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return target;
  }

  /** How many more output bytes the cap allows. */
  long outputRoom() {
    return maxOutputBytes - outputBytes;
  }

  /** The area the outputs go to. */
  Path outputArea() {
    return directory.resultArea(ResultKind.OUTPUT);
  }

  /** Lists output {@code name} of {@code bytes} bytes, noting a cut. */
  void keepOutput(String name, long bytes, boolean cut) {
    keepOutput(name, new Copy(bytes, cut));
  }

  private void keepOutput(String name, Copy copy) {
    outputBytes += copy.bytes();
    if (copy.cut()) {
      String cut =
          "cut "
              + show(name)
              + " at "
              + copy.bytes()
              + " bytes: outputs are capped at "
              + maxOutputBytes
              + " bytes";
      note(cut);
      cuts.add(cut);
    } else {
      note("collected " + show(name) + " (" + copy.bytes() + " bytes)");
    }
    results.add(new JobResult(name, ResultKind.OUTPUT, copy.bytes(), results.size()));
    outputs++;
  }

  private Path logTarget(String name, ResultKind kind) {
    requireNonNull(name, "name");
    requireNonNull(kind, "kind");
    if (kind == ResultKind.OUTPUT) {
      throw new IllegalArgumentException("a log's kind must not be OUTPUT (" + name + ")");
    }
    JobResult.checkName(name);
    return directory.resultArea(kind).resolve(name);
  }

  private void keepLog(String name, ResultKind kind, Copy copy) {
    if (copy.cut()) {
      String cut = name + " cut at " + copy.bytes() + " bytes (the log cap)";
      note(cut);
      cuts.add(cut);
    }
    results.add(new JobResult(name, kind, copy.bytes(), results.size()));
  }

  /** Whether {@code name} is a safe result name; if not, notes it as skipped. */
  boolean safeName(String name) {
    try {
      JobResult.checkName(name);
      return true;
    } catch (InvalidRequestException e) {
      skip(name, "not a safe result name");
      return false;
    }
  }

  /** Copies at most {@code limit} bytes; a read failure is a {@link ReadFailure}. */
  private static Copy copyCapped(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long copied = 0;
    try {
      while (copied < limit) {
        int n = read(in, buffer, (int) Math.min(buffer.length, limit - copied));
        if (n < 0) {
          return new Copy(copied, false);
        }
        out.write(buffer, 0, n);
        copied += n;
      }
      return new Copy(copied, read(in, buffer, 1) >= 0);
    } finally {
      out.flush();
    }
  }

  private static int read(InputStream in, byte[] buffer, int length) throws ReadFailure {
    try {
      return in.read(buffer, 0, length);
    } catch (IOException e) {
      throw new ReadFailure(e);
    }
  }

  /** A name as it may safely appear in a log line: control characters replaced, length bounded. */
  public static String show(String name) {
    StringBuilder out = new StringBuilder(Math.min(name.length(), 200) + 2).append('\'');
    for (int i = 0; i < name.length() && i < 200; i++) {
      char c = name.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    if (name.length() > 200) {
      out.append("...");
    }
    return out.append('\'').toString();
  }

  /**
   * What a collection produced: the results in listing order ({@code publish.log} last), what a cap
   * cut or dropped, and why the outputs could not be fetched (null if they could).
   *
   * @param results the listed results
   * @param cuts one line per cut or dropped result
   * @param failure set through {@link #outputsFailed}, else null
   * @param quotaExceeded set through {@link #quotaExceeded}, else null
   */
  public record Collected(
      List<JobResult> results,
      List<String> cuts,
      @Nullable String failure,
      @Nullable String quotaExceeded) {
    /** Copies the lists. */
    public Collected {
      results = List.copyOf(results);
      cuts = List.copyOf(cuts);
    }

    /** A collection whose quota was not found exceeded. */
    public Collected(List<JobResult> results, List<String> cuts, @Nullable String failure) {
      this(results, cuts, failure, null);
    }

    /** Whether a cap cut or dropped something. */
    public boolean truncated() {
      return !cuts.isEmpty();
    }

    /**
     * A summary of the cuts for a job's detail: the first three, then how many more ({@code
     * publish.log} has them all).
     */
    public String cutSummary() {
      int shown = Math.min(3, cuts.size());
      String text = String.join("; ", cuts.subList(0, shown));
      return cuts.size() > shown
          ? text + "; and " + (cuts.size() - shown) + " more (see publish.log)"
          : text;
    }
  }

  private record Copy(long bytes, boolean cut) {}

  /** Reading the source failed (not writing the target). */
  private static final class ReadFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ReadFailure(IOException cause) {
      super(cause);
    }
  }
}
