package io.c2d.spi.filter;

import java.io.IOException;
import java.io.InputStream;

/**
 * Opens a stream of bytes on demand: a job's result, an input file, or a filter's replacement
 * content. Nothing is held in memory until the stream is read.
 *
 * <p>Implementations say whether they may be opened more than once; the caller closes every stream
 * it opens. The engine may open a source on another thread than the one that made it, one open at a
 * time: an implementation need not be thread-safe beyond that. {@link #open()} never answers null;
 * a content that cannot be read is an {@link IOException}.
 */
@FunctionalInterface
public interface ContentSource {

  /**
   * Opens a new stream over the content.
   *
   * @throws IOException if the content cannot be read
   */
  InputStream open() throws IOException;
}
