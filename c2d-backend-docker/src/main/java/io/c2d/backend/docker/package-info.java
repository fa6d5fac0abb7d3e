/**
 * The Docker compute backend: runs each job's algorithm in a closed container on a Docker engine
 * (no network, no capabilities, read-only root, resource and time limits). This first part holds
 * how the backend finds its engine; the backend itself lands with the Docker issue.
 */
@NullMarked
package io.c2d.backend.docker;

import org.jspecify.annotations.NullMarked;
