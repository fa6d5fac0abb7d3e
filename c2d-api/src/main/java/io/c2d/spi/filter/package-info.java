/**
 * The result-filter SPI (DESIGN step 8, Ocean's status 50 "Filtering results"): before the consumer
 * sees anything, every output and every log of a job passes a chain of {@link
 * io.c2d.spi.filter.ResultFilter}s that the publisher chose for the asset. A filter sees the
 * results as streams, the job's inputs as streams it may read once (and their SHA-256 where known,
 * to cache what it computes from them), and the policy's parameters; it answers, per result,
 * release, withhold, redact or hold for the publisher's review, with a report for the reviewer.
 *
 * <p>Filters are found with {@link java.util.ServiceLoader} through {@link
 * io.c2d.spi.filter.ResultFilterProvider} and selected by name. The engine runs the chain with its
 * own phase time limit; a filter that throws or runs past it withholds every result it was given
 * (the chain fails closed). A filter reduces, never removes, the risk of disclosure.
 */
@NullMarked
package io.c2d.spi.filter;

import org.jspecify.annotations.NullMarked;
