package io.c2d.backend.docker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The tar archive the backend copies into a job's {@code /data} before it starts (the archive of
 * {@code /data/outputs} it reads back is {@link ContainerResults}'s).
 *
 * <p>Not thread-safe; one instance per archive.
 */
final class Tars {
  private Tars() {}

  /**
   * Writes the staging archive. Everything the algorithm reads is owned by root and read-only
   * (directories 0555, files 0444, the algorithm 0555); {@code outputs/} and {@code logs/} belong
   * to the algorithm's user.
   */
  static final class Staging implements AutoCloseable {
    private final TarArchiveOutputStream tar;
    private final int uid;
    private final int gid;

    Staging(Path file, int uid, int gid) throws IOException {
      this.tar =
          new TarArchiveOutputStream(
              Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      this.uid = uid;
      this.gid = gid;
    }

    /** A read-only directory owned by root. */
    void directory(String name) throws IOException {
      dir(name, 0, 0, 0555);
    }

    /** A directory the algorithm may write. */
    void writableDirectory(String name) throws IOException {
      dir(name, uid, gid, 0755);
    }

    private void dir(String name, int owner, int group, int mode) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      entry.setIds(owner, group);
      entry.setMode(040000 | mode);
      tar.putArchiveEntry(entry);
      tar.closeArchiveEntry();
    }

    /** A read-only file owned by root with {@code text} in it. */
    void text(String name, String text, int mode) throws IOException {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry entry = fileEntry(name, bytes.length, mode);
      tar.putArchiveEntry(entry);
      tar.write(bytes);
      tar.closeArchiveEntry();
    }

    /** A read-only file owned by root, the contents of the concatenated {@code sources}. */
    void file(String name, List<Path> sources, int mode) throws IOException {
      long size = 0;
      for (Path source : sources) {
        size += Files.size(source);
      }
      tar.putArchiveEntry(fileEntry(name, size, mode));
      for (Path source : sources) {
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
          in.transferTo(tar);
        }
      }
      tar.closeArchiveEntry();
    }

    private static TarArchiveEntry fileEntry(String name, long size, int mode) {
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setIds(0, 0);
      entry.setMode(0100000 | mode);
      entry.setSize(size);
      return entry;
    }

    @Override
    public void close() throws IOException {
      tar.finish();
      tar.close();
    }
  }
}
