package io.c2d;

import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The engine's phase deadlines: a lock-free sorted set swept by one periodic tick, instead of a
 * timer task scheduled and cancelled on a shared executor queue at every phase change (that queue's
 * lock and wake-ups were what the submitting threads contended on). A deadline fires up to one tick
 * late, which phase limits of seconds to hours do not notice.
 */
final class Deadlines {
  /** How often deadlines are swept. */
  static final Duration TICK = Duration.ofMillis(50);

  private static final Duration NEVER = Duration.ofDays(36_500);

  /** One armed deadline; compare by time, then by arming order. */
  static final class Entry implements Comparable<Entry> {
    final long atNanos;
    final long sequence;
    final Runnable onExpiry;

    Entry(long atNanos, long sequence, Runnable onExpiry) {
      this.atNanos = atNanos;
      this.sequence = sequence;
      this.onExpiry = onExpiry;
    }

    @Override
    public int compareTo(Entry other) {
      int byTime = Long.compare(atNanos, other.atNanos);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Entry that && atNanos == that.atNanos && sequence == that.sequence;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(sequence);
    }
  }

  private final ConcurrentSkipListSet<Entry> pending = new ConcurrentSkipListSet<>();
  private final AtomicLong sequence = new AtomicLong();
  private final LongSupplier nanoTime;

  Deadlines(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Arms {@code onExpiry} to run {@code limit} from now; keep the entry to disarm it. */
  Entry arm(Duration limit, Runnable onExpiry) {
    long now = nanoTime.getAsLong();
    // Past about a century a deadline is "never"; Duration.toNanos would overflow near 292 years.
    long nanos = limit.compareTo(NEVER) >= 0 ? NEVER.toNanos() : limit.toNanos();
    long at = now + nanos;
    Entry entry = new Entry(at, sequence.incrementAndGet(), onExpiry);
    pending.add(entry);
    return entry;
  }

  void disarm(Entry entry) {
    pending.remove(entry);
  }

  /** Hands every deadline that has passed to {@code executor}, each once. */
  void sweep(Executor executor) {
    long now = nanoTime.getAsLong();
    Entry first;
    while ((first = firstOrNull()) != null && first.atNanos - now <= 0) {
      if (pending.remove(first)) {
        executor.execute(first.onExpiry);
      }
    }
  }

  int size() {
    return pending.size();
  }

  private @Nullable Entry firstOrNull() {
    try {
      return pending.first();
    } catch (NoSuchElementException e) {
      return null;
    }
  }
}
