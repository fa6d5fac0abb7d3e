/**
 * The built-in result filters that look into content: the input-copy guard, which withholds a
 * result that carries a copy of an input (verbatim, or gzipped, base64- or hex-encoded, whole or
 * split over several results), and the small-count guard, which suppresses the rows of a CSV or TSV
 * table whose count is below a minimum. Both read results as streams in one pass, in memory bounded
 * whatever the size of inputs and results.
 */
@NullMarked
package io.c2d.filter;

import org.jspecify.annotations.NullMarked;
