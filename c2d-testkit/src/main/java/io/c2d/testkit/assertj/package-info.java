/**
 * AssertJ assertions for c2d's types: start from {@link io.c2d.testkit.assertj.C2dAssertions},
 * which also offers every plain AssertJ assertion.
 */
@NullMarked
package io.c2d.testkit.assertj;

import org.jspecify.annotations.NullMarked;
