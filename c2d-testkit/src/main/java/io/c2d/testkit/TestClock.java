package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until a test moves it: both the wall {@link Clock} and the monotonic
 * {@link Ticker} of a {@link io.c2d.ComputeEngine}, so phase time limits, signature expiries and
 * timestamps can be tested without waiting for them.
 *
 * <pre>{@code
 * TestClock time = TestClock.create();
 * ComputeEngine engine = ComputeEngine.builder().clock(time).ticker(time)...build();
 * // sign requests by the same clock: TestRequests.create(chainId, provider, time)
 * time.advance(Duration.ofMinutes(16)); // past the staging limit
 * }</pre>
 *
 * <p>The wall time starts at {@link #DEFAULT_START} (or the instant given to {@link
 * #create(Instant)}) and the ticker at zero; {@link #advance(Duration)} moves both by the same
 * amount. The engine's watchdog still sweeps on its own real-time tick, so a deadline passed by
 * {@code advance} fires within that tick (50 ms), not during the call.
 *
 * <p>Thread-safe: readings and advances are atomic. Arguments must not be null. Its zone is always
 * UTC; {@link #withZone} returns a view in another zone that moves with this clock.
 */
public final class TestClock extends Clock implements Ticker {
  /** Where {@link #create()} starts the wall time: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final Instant start;
  private final AtomicLong nanos;
  private final ZoneId zone;

  private TestClock(Instant start, AtomicLong nanos, ZoneId zone) {
    this.start = start;
    this.nanos = nanos;
    this.zone = zone;
  }

  /** A clock at {@link #DEFAULT_START}. */
  public static TestClock create() {
    return create(DEFAULT_START);
  }

  /** A clock whose wall time starts at {@code start}. */
  public static TestClock create(Instant start) {
    return new TestClock(requireNonNull(start, "start"), new AtomicLong(), ZoneOffset.UTC);
  }

  /**
   * Moves wall time and the ticker forward by {@code step}.
   *
   * @throws IllegalArgumentException if {@code step} is negative: time never goes back
   */
  public TestClock advance(Duration step) {
    requireNonNull(step, "step");
    if (step.isNegative()) {
      throw new IllegalArgumentException("a test clock only moves forward, not by " + step);
    }
    nanos.addAndGet(step.toNanos());
    return this;
  }

  /** Nanoseconds advanced since the clock was created. */
  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public Instant instant() {
    return start.plusNanos(nanos.get());
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new TestClock(start, nanos, requireNonNull(zone, "zone"));
  }

  @Override
  public String toString() {
    return "TestClock[" + instant() + "]";
  }
}
