package io.c2d.spi.backend.support;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * Finds the outputs in a directory on the host for {@link ResultCollector#addOutputDirectory} and
 * {@link ResultCollector#takeOutputDirectory}: the regular files below it, in name order, never
 * following a link; whatever is skipped (a link, a file nested deeper than {@value #MAX_DEPTH}
 * levels, a device or FIFO, an unsafe name, a real path that leaves the directory, an unreadable
 * entry) is noted on the collector with its reason. Stateless.
 */
final class OutputWalk {
  static final int MAX_DEPTH = 32;

  private OutputWalk() {}

  /**
   * The regular files below {@code outputs}, name-ordered; none if it is not a directory ({@code
   * shownAs} names it in the notes).
   *
   * @throws IOException if the directory's real path cannot be read
   */
  static List<Candidate> regularFiles(ResultCollector collector, Path outputs, String shownAs)
      throws IOException {
    if (!Files.isDirectory(outputs, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(outputs, LinkOption.NOFOLLOW_LINKS)) {
        collector.note("skipped " + shownAs + ": it is not a directory (links are never followed)");
      }
      return List.of();
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
              collector.skip(name, "a symbolic link (links are never followed)");
            } else if (attrs.isDirectory()) {
              collector.skip(name, "nested deeper than " + MAX_DEPTH + " levels");
            } else if (!attrs.isRegularFile()) {
              collector.skip(name, "not a regular file");
            } else if (collector.safeName(name)) {
              try {
                if (file.toRealPath().startsWith(realOutputs)) {
                  candidates.add(new Candidate(file, name));
                } else {
                  collector.skip(name, "its real path leaves " + shownAs);
                }
              } catch (IOException e) {
                collector.skip(name, "unreadable (" + e + ")");
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            collector.skip(relativeName(outputs, file), "unreadable (" + e + ")");
            return FileVisitResult.CONTINUE;
          }
        });
    candidates.sort(Comparator.comparing(Candidate::name));
    return candidates;
  }

  private static String relativeName(Path root, Path file) {
    StringBuilder name = new StringBuilder();
    for (Path segment : root.relativize(file)) {
      if (name.length() > 0) {
        name.append('/');
      }
      name.append(segment);
    }
    return name.toString();
  }

  /** A regular file found, and its name as a result. */
  record Candidate(Path file, String name) {}
}
