/**
 * The compute-backend SPI: where a job's algorithm actually runs (a local process, a Docker engine,
 * a Kubernetes cluster, a cloud batch service).
 *
 * <p>A backend author implements {@link io.c2d.spi.backend.ComputeBackend} and a {@link
 * io.c2d.spi.backend.ComputeBackendProvider}, registers the provider in {@code
 * META-INF/services/io.c2d.spi.backend.ComputeBackendProvider}, and proves the backend keeps its
 * promises with c2d-testkit's conformance kit.
 */
@NullMarked
package io.c2d.spi.backend;

import org.jspecify.annotations.NullMarked;
