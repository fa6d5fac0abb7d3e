package io.c2d.backend.docker;

import io.c2d.InvalidRequestException;
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
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The tar archives the backend exchanges with the engine: the staging archive copied into a job's
 * {@code /data} before it starts, and the archive of {@code /data/outputs} read back after it ends.
 *
 * <p>Not thread-safe; one instance per archive.
 */
final class Tars {
  /** At most this many outputs are kept; the rest are dropped and the job says so. */
  static final int MAX_OUTPUT_FILES = 10_000;

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

  /** What reading the outputs produced: the results listed, and what a cap cut or dropped. */
  record Collected(List<JobResult> results, List<String> cuts) {}

  /**
   * Reads the engine's archive of {@code /data/outputs} (entries {@code outputs/...}) into {@code
   * area}: regular files only (a symbolic or hard link, a device or a FIFO is skipped, never
   * followed), names {@link JobResult#checkName} accepts, at most {@code cap} bytes in total in the
   * archive's order (the file that crosses the cap is cut, the rest are dropped).
   *
   * @param notes receives one line per skipped, cut or collected entry
   */
  static Collected readOutputs(
      InputStream archive,
      Path area,
      long cap,
      int firstIndex,
      java.util.function.Consumer<String> notes)
      throws IOException {
    Files.createDirectories(area);
    List<JobResult> results = new ArrayList<>();
    List<String> cuts = new ArrayList<>();
    long used = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = stripFirstSegment(entry.getName());
        if (name.isEmpty()) {
          continue; // the outputs directory itself
        }
        if (entry.isDirectory()) {
          continue;
        }
        if (entry.isSymbolicLink()) {
          notes.accept("skipped " + show(name) + ": a symbolic link (links are never followed)");
          continue;
        }
        if (!entry.isFile() || entry.isLink()) {
          notes.accept("skipped " + show(name) + ": not a regular file");
          continue;
        }
        try {
          JobResult.checkName(name);
        } catch (InvalidRequestException e) {
          notes.accept("skipped " + show(name) + ": not a safe result name");
          continue;
        }
        if (results.size() == MAX_OUTPUT_FILES) {
          String cut = "dropped further outputs beyond " + MAX_OUTPUT_FILES + " files";
          notes.accept(cut);
          cuts.add(cut);
          break;
        }
        long room = cap - used;
        if (room <= 0 && entry.getSize() > 0) {
          String cut =
              "dropped "
                  + show(name)
                  + " and any further outputs: outputs are capped at "
                  + cap
                  + " bytes";
          notes.accept(cut);
          cuts.add(cut);
          break;
        }
        Path target = area.resolve(name).normalize();
        if (!target.startsWith(area)) {
          notes.accept("skipped " + show(name) + ": it leaves the result area");
          continue;
        }
        Path parent = target.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          notes.accept("skipped " + show(name) + ": listed twice");
          continue;
        }
        long copied = copyCapped(tar, target, room);
        boolean cut = copied < entry.getSize();
        used += copied;
        if (cut) {
          String line =
              "cut "
                  + show(name)
                  + " at "
                  + copied
                  + " bytes: outputs are capped at "
                  + cap
                  + " bytes";
          notes.accept(line);
          cuts.add(line);
        } else {
          notes.accept("collected " + show(name) + " (" + copied + " bytes)");
        }
        results.add(new JobResult(name, ResultKind.OUTPUT, copied, firstIndex + results.size()));
      }
    }
    return new Collected(List.copyOf(results), List.copyOf(cuts));
  }

  /** Copies at most {@code limit} bytes of {@code in} to a new file {@code target}. */
  static long copyCapped(InputStream in, Path target, long limit) throws IOException {
    try (OutputStream out =
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[16 * 1024];
      long copied = 0;
      while (copied < limit) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        copied += n;
      }
      return copied;
    }
  }

  private static String stripFirstSegment(String name) {
    String trimmed = name.startsWith("./") ? name.substring(2) : name;
    int slash = trimmed.indexOf('/');
    String rest = slash < 0 ? "" : trimmed.substring(slash + 1);
    return rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
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
