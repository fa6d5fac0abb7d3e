/**
 * This package is internal and is not for public use: c2d-server's {@link java.util.ServiceLoader}
 * providers. Its API is unstable and can change at any time.
 */
@NullMarked
package io.c2d.server.internal;

import org.jspecify.annotations.NullMarked;
