/**
 * The runnable main job: one real compute-to-data job, end to end, on a backend and verifier chosen
 * by name. See {@link io.c2d.server.MainJob}.
 */
@NullMarked
package io.c2d.server;

import org.jspecify.annotations.NullMarked;
