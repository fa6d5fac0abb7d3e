package io.c2d.spi.backend.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link ContractStaging} puts a job's files: a directory on the host ({@link
 * ContractStaging#intoDirectory}), an archive to copy into a container, or anything else that can
 * hold the {@link SandboxContract}'s layout. Names are relative to the layout's root, with {@code
 * /} separators, and come parents first.
 *
 * <p>A target copies every file by default; one that can show the algorithm a host file where it
 * lies (a container engine's read-only bind mount) says so in {@link #mount}, and {@link
 * ContractStaging} then offers it each dataset input before copying it.
 *
 * <p>An implementation is used by one staging at a time; it need not be thread-safe. Each method
 * throws {@link IOException} if the target cannot be written or a source cannot be read.
 */
public interface StagingTarget {
  /**
   * A directory; {@code writable} for those the algorithm writes ({@code outputs}, {@code logs}).
   */
  void directory(String name, boolean writable) throws IOException;

  /**
   * A file holding the contents of {@code sources} concatenated (none: an empty file); {@code
   * executable} for the algorithm. Everything else is read-only for the algorithm.
   */
  void file(String name, List<Path> sources, boolean executable) throws IOException;

  /**
   * Offers the host file {@code source} as the read-only dataset input {@code name} in place,
   * without a copy. Returns true if the target takes it (the algorithm will read {@code source}
   * itself, read-only, at {@code name}); false if the caller must copy it with {@link #file}
   * instead. The default takes nothing.
   *
   * <p>A target that takes a source checks what serving it safely needs (for a bind mount: that it
   * is a regular file, not reached through a link someone else could swap, and readable by the
   * algorithm's user), and logs why it declines. The source must stay where it is until the job's
   * sandbox is removed.
   *
   * @throws StageFailure if the source must not reach the algorithm at all (for example a symbolic
   *     link); the job fails with its status
   */
  default boolean mount(String name, Path source) throws IOException, StageFailure {
    return false;
  }

  /** A file holding {@code text} in UTF-8. */
  void text(String name, String text, boolean executable) throws IOException;
}
