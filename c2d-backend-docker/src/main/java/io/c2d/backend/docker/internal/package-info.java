/**
 * Internal to c2d-backend-docker: the {@link java.util.ServiceLoader} provider. Not an API; it may
 * change in any release.
 */
@NullMarked
package io.c2d.backend.docker.internal;

import org.jspecify.annotations.NullMarked;
