/**
 * The entry point of c2d: {@link io.c2d.ComputeEngine}, the facade a provider application holds to
 * run compute-to-data jobs, and the exceptions it throws.
 *
 * <p>Every failure a caller can cause is a subtype of {@link io.c2d.C2dException} carrying a
 * stable, machine-readable {@link io.c2d.ErrorCode}.
 */
@NullMarked
package io.c2d;

import org.jspecify.annotations.NullMarked;
