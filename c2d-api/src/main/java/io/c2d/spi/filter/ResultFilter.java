package io.c2d.spi.filter;

import java.io.IOException;

/**
 * Checks a finished job's outputs and logs before the consumer may see them, and decides for each
 * result: release it, withhold it (with a reason the consumer sees), redact it (replace its
 * content, saying so) or hold it for the publisher's review. One link of the chain the publisher
 * names for an asset; see the package documentation.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #check} reads results and inputs as streams and never keeps a second copy of an
 *       input: what it keeps (fingerprints, counts) it may cache by the input's {@link
 *       FilterInput#sha256() SHA-256}.
 *   <li>The engine calls {@link #check} on one of its own threads, with the phase time limit of
 *       status 50. At the limit it interrupts the thread and closes the streams it opened for the
 *       filter; the filter's answer no longer counts and every result it was given is withheld. A
 *       filter that throws is treated the same way: the chain fails closed.
 *   <li>A result the {@link FilterOutcome} does not name is released by this filter (it may still
 *       be withheld by another link).
 *   <li>Reasons are shown to the consumer: they say what rule was broken, never what the withheld
 *       content is. The {@link FilterOutcome#report() report} is for the publisher's reviewer only.
 * </ul>
 *
 * <p>Implementations must be thread-safe: the engine checks several jobs at once with one instance.
 */
public interface ResultFilter extends AutoCloseable {

  /**
   * Checks one job's results.
   *
   * @param subject the job's results, inputs and the policy's parameters for this filter
   * @return a decision per result (unnamed results are released) and a report for the reviewer
   * @throws IOException if a result or input cannot be read: the engine withholds every result
   * @throws IllegalArgumentException if a parameter is malformed: the engine withholds every result
   *     and names the parameter to the publisher
   */
  FilterOutcome check(FilterSubject subject) throws IOException;

  /** Releases the filter's caches and threads. */
  @Override
  default void close() {}
}
