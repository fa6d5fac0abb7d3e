package io.c2d.spi.filter;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One input file of a job ({@code /data/inputs/<did>/<n>} in the sandbox), as a {@link
 * ResultFilter} sees it: never a copy, but a stream it may open once, and the file's SHA-256 when
 * it is known before reading (the publisher declared it, or the engine learned it), so that a
 * filter can cache what it computes from the bytes (fingerprints, say) by content hash and not open
 * the stream at all next time.
 *
 * <p>Thread-safe. {@link #open()} succeeds at most once per instance: the engine gives each filter
 * of a chain its own instances, and reading the input again would mean fetching it again.
 */
public final class FilterInput {
  private final Did did;
  private final int index;
  private final @Nullable Sha256 sha256;
  private final long size;
  private final ContentSource content;
  private final AtomicBoolean opened = new AtomicBoolean();

  private FilterInput(
      Did did, int index, @Nullable Sha256 sha256, long size, ContentSource content) {
    this.did = did;
    this.index = index;
    this.sha256 = sha256;
    this.size = size;
    this.content = content;
  }

  /**
   * The file {@code index} of input asset {@code did}, whose bytes {@code content} opens.
   *
   * @param sha256 the content's SHA-256 if known before reading, else null
   * @param size its size in bytes if known, else -1
   * @throws IllegalArgumentException if {@code index} is negative or {@code size} below -1
   */
  public static FilterInput of(
      Did did, int index, @Nullable Sha256 sha256, long size, ContentSource content) {
    requireNonNull(did, "did");
    requireNonNull(content, "content");
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0 but was " + index);
    }
    if (size < -1) {
      throw new IllegalArgumentException("size must be >= -1 but was " + size);
    }
    return new FilterInput(did, index, sha256, size, content);
  }

  /** The input asset. */
  public Did did() {
    return did;
  }

  /** The file's position in the asset's files, from 0 (its {@code <n>} in the sandbox). */
  public int index() {
    return index;
  }

  /** The content's SHA-256, when known before reading. */
  public Optional<Sha256> sha256() {
    return Optional.ofNullable(sha256);
  }

  /** The content's size in bytes, when known. */
  public OptionalLong size() {
    return size < 0 ? OptionalLong.empty() : OptionalLong.of(size);
  }

  /**
   * Opens the content; the caller closes the stream.
   *
   * @throws IllegalStateException if it was opened before
   * @throws IOException if it cannot be read
   */
  public InputStream open() throws IOException {
    if (!opened.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "input "
              + did.value()
              + "/"
              + index
              + " can be read once per filter; it was read before");
    }
    return content.open();
  }

  @Override
  public String toString() {
    return "FilterInput[" + did.value() + "/" + index + (sha256 == null ? "" : ", " + sha256) + "]";
  }
}
