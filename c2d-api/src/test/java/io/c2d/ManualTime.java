package io.c2d;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** Wall and monotonic time that move only when a test says so. */
final class ManualTime extends Clock implements Ticker {
  private final Instant origin = Instant.parse("2026-12-01T00:00:00Z");
  private final AtomicLong elapsedNanos = new AtomicLong();

  void advance(Duration step) {
    elapsedNanos.addAndGet(step.toNanos());
  }

  @Override
  public long read() {
    return elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(elapsedNanos.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("tests use UTC");
  }
}
