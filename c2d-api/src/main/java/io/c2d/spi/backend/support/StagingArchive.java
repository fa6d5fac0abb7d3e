package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A {@link StagingTarget} that writes the staged layout as a tar archive (POSIX long names and big
 * sizes) to a stream as {@link ContractStaging} goes, never holding a file: the one archive a
 * container backend copies or streams into its sandbox's {@code /data}. Entries the algorithm reads
 * are owned by {@code readOnlyOwner} (directories 0555 or, with {@link
 * Builder#writableDirectories}, 0755; files 0444; the algorithm 0555); the directories it writes
 * ({@code outputs}, {@code logs}) by {@code writableOwner}, 0755.
 *
 * <p>Needs Apache Commons Compress on the class path (an optional dependency of this module; the
 * Docker and Kubernetes backends bring it). Not thread-safe: one staging at a time. Methods throw
 * {@link IOException} when the stream cannot be written or a source cannot be read.
 */
public final class StagingArchive implements StagingTarget, AutoCloseable {
  private final TarArchiveOutputStream tar;
  private final int readOnlyUid;
  private final int readOnlyGid;
  private final int writableUid;
  private final int writableGid;
  private final int readOnlyDirectoryMode;
  private boolean finished;

  private StagingArchive(Builder b, OutputStream out) {
    this.tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    this.readOnlyUid = b.readOnlyUid;
    this.readOnlyGid = b.readOnlyGid;
    this.writableUid = b.writableUid;
    this.writableGid = b.writableGid;
    this.readOnlyDirectoryMode = b.writableDirectories ? 0755 : 0555;
  }

  /** A builder: every entry owned by uid and gid 0, read-only directories 0555. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void directory(String name, boolean writable) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    if (writable) {
      entry.setIds(writableUid, writableGid);
      entry.setMode(040000 | 0755);
    } else {
      entry.setIds(readOnlyUid, readOnlyGid);
      entry.setMode(040000 | readOnlyDirectoryMode);
    }
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  @Override
  public void file(String name, List<Path> sources, boolean executable) throws IOException {
    long size = 0;
    for (Path source : sources) {
      size += Files.size(source);
    }
    tar.putArchiveEntry(fileEntry(name, size, executable));
    for (Path source : sources) {
      try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
        in.transferTo(tar);
      }
    }
    tar.closeArchiveEntry();
  }

  @Override
  public void text(String name, String text, boolean executable) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    tar.putArchiveEntry(fileEntry(name, bytes.length, executable));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private TarArchiveEntry fileEntry(String name, long size, boolean executable) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setIds(readOnlyUid, readOnlyGid);
    entry.setMode(0100000 | (executable ? 0555 : 0444));
    entry.setSize(size);
    return entry;
  }

  /**
   * Ends the archive (its end-of-archive blocks) and closes the stream. An archive that is not
   * finished is cut, which {@code tar x} refuses: a staging that failed halfway is never taken for
   * a whole one.
   */
  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      tar.close();
    }
  }

  private void finish() throws IOException {
    if (!finished) {
      finished = true;
      tar.finish();
      tar.flush();
    }
  }

  /** Options of a {@link StagingArchive}. Not thread-safe. */
  public static final class Builder {
    private int readOnlyUid;
    private int readOnlyGid;
    private int writableUid;
    private int writableGid;
    private boolean writableDirectories;

    private Builder() {}

    /** The owner of what the algorithm reads (default root). */
    public Builder readOnlyOwner(int uid, int gid) {
      this.readOnlyUid = uid;
      this.readOnlyGid = gid;
      return this;
    }

    /** The owner of {@code outputs} and {@code logs} (default root). */
    public Builder writableOwner(int uid, int gid) {
      this.writableUid = uid;
      this.writableGid = gid;
      return this;
    }

    /**
     * Makes the read-only directories 0755, not 0555: for an archive a non-root user unpacks (it
     * must write into them), where a read-only mount, not the mode, keeps the algorithm out.
     */
    public Builder writableDirectories() {
      this.writableDirectories = true;
      return this;
    }

    /** An archive written to {@code out}, which {@link #close} closes. */
    public StagingArchive writingTo(OutputStream out) {
      return new StagingArchive(this, requireNonNull(out, "out"));
    }
  }
}
