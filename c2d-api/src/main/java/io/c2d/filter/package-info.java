/**
 * c2d's built-in result filters ({@link io.c2d.spi.filter.ResultFilter}s), each found through its
 * provider by name: {@code allow-list} (output types and sizes per asset), and the guards against
 * copies of inputs and small counts. They reduce, never remove, the risk of disclosure: a result
 * they release may still tell more about the data than its publisher wants.
 */
@NullMarked
package io.c2d.filter;

import org.jspecify.annotations.NullMarked;
