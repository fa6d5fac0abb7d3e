package io.c2d.testkit.junit;

import org.jspecify.annotations.Nullable;

/**
 * A real part a test needs, as {@link Requires} names it: how to tell whether it is here, and what
 * installs it. An implementation is a class with a public or package-private no-argument
 * constructor; {@link #problem()} is called at most once per JVM (the answer is kept), so it may
 * prepare the part (build a test image) as it checks.
 *
 * <p>Implementations need not be thread-safe: the condition calls each one under a lock.
 */
public interface RealPart {
  /** What the part is, for messages: {@code "a Docker engine"}, {@code "bubblewrap"}. */
  String name();

  /** Null when the part is present and ready, else what is missing or broken. */
  @Nullable String problem();

  /** What installs or starts it, for the message that fails CI: {@code ".ci/run installs ..."}. */
  String remedy();
}
