package io.c2d;

/**
 * A source of monotonic time in nanoseconds, for measuring how long something took; the engine's
 * phase deadlines read it. Only differences between two readings mean anything: the origin is
 * arbitrary and readings may be negative.
 *
 * <p>Production code uses {@link #system()}; tests pass a ticker they move by hand (c2d-testkit's
 * {@code TestClock} is both a {@link java.time.Clock} and a {@code Ticker}), so time limits can be
 * tested without waiting for them.
 *
 * <p>Implementations must be thread-safe, fast and non-blocking: the engine reads the ticker on its
 * scheduling path.
 */
@FunctionalInterface
public interface Ticker {

  /** The current reading, in nanoseconds since an arbitrary origin; never decreases. */
  long read();

  /** The ticker of {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
