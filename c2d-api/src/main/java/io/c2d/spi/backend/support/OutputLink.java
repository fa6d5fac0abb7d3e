package io.c2d.spi.backend.support;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@link ResultCollector#takeOutputDirectory}'s way with one file: hard-linked into the result area
 * rather than copied where both lie on one file system (a result of any size costs no copy), given
 * the area's owner and mode 0644. Copied instead (up to the cap) when it crosses the output cap,
 * when another name shares its data (a link the algorithm made), across file systems, or where
 * links are refused. The original stays where it is, so a collection a crash cut short can be done
 * again in full.
 *
 * <p>Stateless; used on the collection's thread.
 */
final class OutputLink {
  private OutputLink() {}

  /** Links the regular file {@code file} into {@code collector} as output {@code name}. */
  static void take(ResultCollector collector, String name, Path file) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      collector.skip(name, "unreadable (" + e + ")");
      return;
    }
    if (!attrs.isRegularFile()) {
      collector.skip(name, "not a regular file");
      return;
    }
    long size = attrs.size();
    if (!soleLink(file) || size > collector.outputRoom()) {
      // another name shares its data, or the file crosses the cap: a copy (up to the cap) leaves
      // the original as it is for a collection the next instance may have to do again
      collector.addOutputFile(name, file);
      return;
    }
    Path target = collector.outputTarget(name, size);
    if (target == null) {
      return;
    }
    try {
      Files.createLink(target, file);
    } catch (FileSystemException | UnsupportedOperationException e) {
      // another file system, or links to another user's file refused (fs.protected_hardlinks)
      collector.addOutputFile(name, file);
      return;
    }
    normalize(collector.outputArea(), target);
    collector.keepOutput(name, size, false);
  }

  /**
   * Makes a linked-in file the result area's like any other: owned by the area's owner (the sandbox
   * user who wrote it must not change it later), 0644. Best effort: only root can change owners.
   */
  private static void normalize(Path area, Path file) {
    try {
      Files.setAttribute(
          file, "unix:gid", Files.getAttribute(area, "unix:gid"), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(
          file, "unix:uid", Files.getAttribute(area, "unix:uid"), LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      // not root, or no Unix owners here: the file keeps its owner
    }
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system, or not ours to change: nothing to normalize
    }
  }

  /** Whether {@code file} is its data's only name (false where the file system cannot say). */
  private static boolean soleLink(Path file) {
    try {
      return Integer.valueOf(1)
          .equals(Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
