/**
 * Ocean's compute-to-data endpoints over HTTP, in ocean-node's dialect (what ocean.js 8.x speaks),
 * for any HTTP server: {@link io.c2d.server.http.OceanComputeHandler} takes a framework-neutral
 * {@link io.c2d.server.http.ProviderRequest} and answers through a {@link
 * io.c2d.server.http.ProviderResponse}, with bodies as streams; {@link
 * io.c2d.server.http.OceanHttpServer} mounts it on the JDK's built-in HTTP server. A servlet
 * container or any other framework needs only a few lines of adapter (README "HTTP endpoints").
 */
@NullMarked
package io.c2d.server.http;

import org.jspecify.annotations.NullMarked;
