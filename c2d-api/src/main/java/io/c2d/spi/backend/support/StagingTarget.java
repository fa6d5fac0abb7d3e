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

  /** A file holding {@code text} in UTF-8. */
  void text(String name, String text, boolean executable) throws IOException;
}
