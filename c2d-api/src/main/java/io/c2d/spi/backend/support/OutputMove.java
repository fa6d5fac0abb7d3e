package io.c2d.spi.backend.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@link ResultCollector#takeOutputDirectory}'s way with one file: moved into the result area
 * rather than copied where both lie on one file system (a rename: a result of any size costs no
 * copy), truncated there if it crosses the output cap, given the area's owner and mode 0644; copied
 * instead across file systems or when another name shares its data (a hard link).
 *
 * <p>Stateless; used on the collection's thread.
 */
final class OutputMove {
  private OutputMove() {}

  /** Moves the regular file {@code file} into {@code collector} as output {@code name}. */
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
    if (!soleLink(file)) {
      // another name shares its data: moving and truncating one would change the other
      collector.addOutputFile(name, file);
      return;
    }
    long size = attrs.size();
    Path target = collector.outputTarget(name, size);
    if (target == null) {
      return;
    }
    try {
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      collector.addOutputFile(name, file);
      return;
    }
    long room = collector.outputRoom();
    long kept = size;
    boolean cut = false;
    if (size > room) {
      try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
        channel.truncate(room);
      }
      kept = room;
      cut = true;
    }
    normalize(collector.outputArea(), target);
    collector.keepOutput(name, kept, cut);
  }

  /**
   * Makes a moved-in file the result area's like any other: owned by the area's owner (the sandbox
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
