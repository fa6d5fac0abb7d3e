/**
 * c2d's built-in result filters ({@link io.c2d.spi.filter.ResultFilter}s), each found through its
 * provider by name: {@code allow-list} (output types and sizes per asset), {@code input-copy} (a
 * result that carries a copy of an input, verbatim or gzipped, base64- or hex-encoded, whole or
 * split over several results, is withheld) and {@code small-count} (rows of a CSV or TSV table
 * whose count is below a minimum are suppressed). The content guards read results as streams in one
 * pass, in memory bounded whatever the size of inputs and results. They reduce, never remove, the
 * risk of disclosure: a result they release may still tell more about the data than its publisher
 * wants.
 */
@NullMarked
package io.c2d.filter;

import org.jspecify.annotations.NullMarked;
