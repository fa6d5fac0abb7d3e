/**
 * This package is internal and is not for public use. Its API is unstable and can change at any
 * time.
 *
 * <p>It holds the engine's machinery that other c2d packages must reach: JSON forms, provider
 * loading.
 */
@NullMarked
package io.c2d.internal;

import org.jspecify.annotations.NullMarked;
