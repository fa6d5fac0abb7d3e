/**
 * The Docker compute backend: {@link io.c2d.backend.docker.DockerComputeBackend} runs each job's
 * algorithm in a closed container on a Docker engine (no network, no capabilities, a non-root user,
 * read-only root and inputs, resource and time limits), found by {@link
 * io.c2d.backend.docker.DockerEndpoint} and selected by name through {@code
 * io.c2d.backend.docker.internal.DockerBackendProvider} ({@code c2d.backend=docker}).
 */
@NullMarked
package io.c2d.backend.docker;

import org.jspecify.annotations.NullMarked;
