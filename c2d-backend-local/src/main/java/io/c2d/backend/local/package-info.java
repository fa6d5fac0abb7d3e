/**
 * The embedded default compute backend: {@link io.c2d.backend.local.EmbeddedComputeBackend} runs
 * each job's algorithm as a local {@code /bin/sh} process in a private directory laid out like the
 * sandbox contract, persists every job in its work root so that a restarted application finds it
 * again, and is selected by name through {@link io.c2d.backend.local.EmbeddedBackendProvider}
 * ({@code c2d.backend=embedded}).
 *
 * <p>It is NOT a sandbox (no isolation, no network block, no resource limits beyond the maximum
 * duration and the result caps): it lets a provider application and its tests run real jobs end to
 * end without Docker or a cluster, and nothing more.
 */
@NullMarked
package io.c2d.backend.local;

import org.jspecify.annotations.NullMarked;
