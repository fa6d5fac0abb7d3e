/**
 * The runnable main job: one real compute-to-data job, end to end, on a backend and verifier chosen
 * by name. See {@link io.c2d.testkit.example.MainJob}.
 */
@NullMarked
package io.c2d.testkit.example;

import org.jspecify.annotations.NullMarked;
