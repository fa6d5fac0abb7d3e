/**
 * JUnit 5 conditions for tests that need a real part (a Docker engine, a real Kubernetes cluster,
 * bubblewrap, Node.js, an algorithm image): {@link io.c2d.testkit.junit.Requires} names a {@link
 * io.c2d.testkit.junit.RealPart}, and the test runs where the part is present, is skipped loudly
 * where it is not, and FAILS when {@code CI=true}.
 */
@NullMarked
package io.c2d.testkit.junit;

import org.jspecify.annotations.NullMarked;
