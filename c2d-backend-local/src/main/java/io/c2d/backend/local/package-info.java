/**
 * The embedded default compute backend: {@link io.c2d.backend.local.EmbeddedComputeBackend} runs
 * each job's algorithm as a local {@code /bin/sh} process in a private directory laid out like the
 * sandbox contract, persists every job in its work root so that a restarted application finds it
 * again, and is selected by name through {@link io.c2d.backend.local.EmbeddedBackendProvider}
 * ({@code c2d.backend=embedded}).
 *
 * <p>Where bubblewrap works the process runs inside it ({@link io.c2d.backend.local.SandboxMode}):
 * the layout at the real {@code /data} paths, no network, a read-only root showing nothing of the
 * provider, a private {@code /tmp}, its own PID namespace, no capabilities and process, memory and
 * file-size limits. Elsewhere it is NOT a sandbox (no isolation, no network block, no resource
 * limits beyond the maximum duration and the result caps), and each job's configuration log says
 * so. Either way it shares the host's kernel: it lets a provider application and its tests run real
 * jobs end to end without Docker or a cluster; strangers' algorithms belong on those.
 */
@NullMarked
package io.c2d.backend.local;

import org.jspecify.annotations.NullMarked;
