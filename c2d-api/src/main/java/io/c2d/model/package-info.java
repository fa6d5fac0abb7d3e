/**
 * The immutable, validated domain model of c2d: compute requests, jobs, environments, results and
 * the asset's compute policy.
 *
 * <p>Every value type validates what it is given when it is built and refuses bad input with an
 * {@link io.c2d.InvalidRequestException} naming the field. Values are immutable and safe to share
 * between threads; collections they hand out are unmodifiable. No method accepts or returns null
 * unless it is marked {@code @Nullable}.
 */
@NullMarked
package io.c2d.model;

import org.jspecify.annotations.NullMarked;
