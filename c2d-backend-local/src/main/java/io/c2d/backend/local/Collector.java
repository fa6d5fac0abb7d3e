package io.c2d.backend.local;

import io.c2d.InvalidRequestException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * Collects a job's results: every regular file below {@code data/outputs} (never following a
 * symbolic link, never anything whose real path leaves the outputs, only names {@link
 * JobResult#checkName} accepts), copied into {@code results/outputs} up to the environment's output
 * cap; then {@code algorithm.log}, {@code configuration.log} and {@code publish.log}, each up to
 * the log cap, into {@code results/logs}. What it skips or cuts it writes in {@code publish.log}.
 *
 * <p>Not thread-safe: one collection per job at a time, which the job ensures.
 */
final class Collector {
  /** At most this many outputs are kept; the rest are dropped and the job says so. */
  static final int MAX_OUTPUT_FILES = 10_000;

  private static final int MAX_DEPTH = 32;

  private final JobFiles files;
  private final ComputeEnvironment environment;
  private final Clock clock;
  private final StringBuilder publishLog = new StringBuilder();
  private final List<String> cuts = new ArrayList<>();

  private Collector(JobFiles files, ComputeEnvironment environment, Clock clock) {
    this.files = files;
    this.environment = environment;
    this.clock = clock;
  }

  /** What a collection produced. */
  record Collected(List<JobResult> results, List<String> cuts) {
    /** Whether a cap cut or dropped something. */
    boolean truncated() {
      return !cuts.isEmpty();
    }
  }

  /**
   * Collects the job's results, replacing any earlier collection.
   *
   * @throws IOException if the result area cannot be written
   */
  static Collected collect(JobFiles files, ComputeEnvironment environment, Clock clock)
      throws IOException {
    return new Collector(files, environment, clock).collect();
  }

  private Collected collect() throws IOException {
    JobFiles.deleteTree(files.results());
    Files.createDirectories(files.resultArea(ResultKind.OUTPUT));
    Files.createDirectories(files.resultArea(ResultKind.ALGORITHM_LOG));
    note("collecting the results of job " + files.id());

    List<JobResult> results = new ArrayList<>();
    collectOutputs(results);
    collectLog(files.algorithmLog(), "algorithm.log", ResultKind.ALGORITHM_LOG, results);
    collectLog(
        files.configurationLog(), "configuration.log", ResultKind.CONFIGURATION_LOG, results);

    note(
        "listed "
            + results.size()
            + " results"
            + (cuts.isEmpty() ? "" : "; cut or dropped at a cap: " + String.join("; ", cuts)));
    byte[] publish = publishLog.toString().getBytes(StandardCharsets.UTF_8);
    long max = environment.maxLogBytes();
    int kept = (int) Math.min(publish.length, max);
    if (kept < publish.length) {
      cuts.add("publish.log cut at " + kept + " bytes");
    }
    Files.write(
        files.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"),
        java.util.Arrays.copyOf(publish, kept),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    results.add(new JobResult("publish.log", ResultKind.PUBLISH_LOG, kept, results.size()));
    return new Collected(List.copyOf(results), List.copyOf(cuts));
  }

  private void collectOutputs(List<JobResult> results) throws IOException {
    Path outputs = files.outputs();
    if (!Files.isDirectory(outputs, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(outputs, LinkOption.NOFOLLOW_LINKS)) {
        note("skipped data/outputs: it is not a directory (links are never followed)");
      }
      return;
    }
    Path realOutputs = outputs.toRealPath();
    List<Candidate> candidates = new ArrayList<>();
    Files.walkFileTree(
        outputs,
        EnumSet.noneOf(FileVisitOption.class),
        MAX_DEPTH,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String name = relativeName(outputs, file);
            if (attrs.isSymbolicLink()) {
              note("skipped " + show(name) + ": a symbolic link (links are never followed)");
            } else if (attrs.isDirectory()) {
              note("skipped " + show(name) + ": nested deeper than " + MAX_DEPTH + " levels");
            } else if (!attrs.isRegularFile()) {
              note("skipped " + show(name) + ": not a regular file");
            } else {
              consider(file, name);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            note("skipped " + show(relativeName(outputs, file)) + ": unreadable (" + e + ")");
            return FileVisitResult.CONTINUE;
          }

          private void consider(Path file, String name) {
            try {
              JobResult.checkName(name);
            } catch (InvalidRequestException e) {
              note("skipped " + show(name) + ": not a safe result name");
              return;
            }
            try {
              if (!file.toRealPath().startsWith(realOutputs)) {
                note("skipped " + show(name) + ": its real path leaves data/outputs");
                return;
              }
            } catch (IOException e) {
              note("skipped " + show(name) + ": unreadable (" + e + ")");
              return;
            }
            candidates.add(new Candidate(file, name));
          }
        });

    candidates.sort(Comparator.comparing(Candidate::name));
    long cap = environment.maxOutputBytes();
    long used = 0;
    int kept = 0;
    for (Candidate candidate : candidates) {
      if (kept == MAX_OUTPUT_FILES) {
        String cut = "dropped " + (candidates.size() - kept) + " outputs beyond " + kept + " files";
        note(cut);
        cuts.add(cut);
        break;
      }
      Path target = files.resultArea(ResultKind.OUTPUT).resolve(candidate.name());
      long room = cap - used;
      long size = Files.size(candidate.file());
      if (room <= 0 && size > 0) {
        String cut =
            "dropped "
                + show(candidate.name())
                + " ("
                + size
                + " bytes): outputs are capped at "
                + cap
                + " bytes";
        note(cut);
        cuts.add(cut);
        continue;
      }
      Files.createDirectories(target.getParent());
      Copy copy;
      try {
        copy = copyCapped(candidate.file(), target, room);
      } catch (IOException e) {
        note("skipped " + show(candidate.name()) + ": unreadable (" + e + ")");
        Files.deleteIfExists(target);
        continue;
      }
      used += copy.bytes();
      if (copy.cut()) {
        String cut =
            "cut "
                + show(candidate.name())
                + " at "
                + copy.bytes()
                + " bytes: outputs are capped at "
                + cap
                + " bytes";
        note(cut);
        cuts.add(cut);
      } else {
        note("collected " + show(candidate.name()) + " (" + copy.bytes() + " bytes)");
      }
      results.add(new JobResult(candidate.name(), ResultKind.OUTPUT, copy.bytes(), results.size()));
      kept++;
    }
  }

  private void collectLog(Path source, String name, ResultKind kind, List<JobResult> results)
      throws IOException {
    if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path target = files.resultArea(kind).resolve(name);
    Copy copy;
    try {
      copy = copyCapped(source, target, environment.maxLogBytes());
    } catch (IOException e) {
      note("skipped " + name + ": unreadable (" + e + ")");
      Files.deleteIfExists(target);
      return;
    }
    if (copy.cut()) {
      String cut = name + " cut at " + copy.bytes() + " bytes (the log cap)";
      note(cut);
      cuts.add(cut);
    }
    results.add(new JobResult(name, kind, copy.bytes(), results.size()));
  }

  /** Copies at most {@code limit} bytes; never follows a link at {@code source}. */
  static Copy copyCapped(Path source, Path target, long limit) throws IOException {
    try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
        OutputStream out =
            Files.newOutputStream(
                target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[16 * 1024];
      long copied = 0;
      while (copied < limit) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied));
        if (n < 0) {
          return new Copy(copied, false);
        }
        out.write(buffer, 0, n);
        copied += n;
      }
      return new Copy(copied, in.read() >= 0);
    }
  }

  /** How much a capped copy copied, and whether it left something behind. */
  record Copy(long bytes, boolean cut) {}

  private record Candidate(Path file, String name) {}

  private void note(String line) {
    publishLog.append(clock.instant()).append(' ').append(line).append('\n');
  }

  private static String relativeName(Path root, Path file) {
    Path relative = root.relativize(file);
    StringBuilder name = new StringBuilder();
    for (Path segment : relative) {
      if (name.length() > 0) {
        name.append('/');
      }
      name.append(segment);
    }
    return name.toString();
  }

  /** A name as it may safely appear in a log line: control characters replaced, length bounded. */
  static String show(String name) {
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
}
