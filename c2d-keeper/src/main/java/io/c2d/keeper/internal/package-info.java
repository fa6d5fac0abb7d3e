/**
 * This package is internal and is not for public use. Its API is unstable and can change at any
 * time.
 *
 * <p>The keeper module's ServiceLoader providers.
 */
@NullMarked
package io.c2d.keeper.internal;

import org.jspecify.annotations.NullMarked;
