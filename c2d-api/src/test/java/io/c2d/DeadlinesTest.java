package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class DeadlinesTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final Deadlines deadlines = new Deadlines(now::get);
  private final List<String> fired = new ArrayList<>();

  @Test
  void passedDeadlinesFireOnceInTimeOrder() {
    deadlines.arm(Duration.ofNanos(300), () -> fired.add("late"));
    deadlines.arm(Duration.ofNanos(100), () -> fired.add("early"));
    deadlines.arm(Duration.ofNanos(100), () -> fired.add("early, armed second"));

    deadlines.sweep(Runnable::run);
    assertThat(fired).isEmpty();

    now.addAndGet(100);
    deadlines.sweep(Runnable::run);
    deadlines.sweep(Runnable::run);
    assertThat(fired).containsExactly("early", "early, armed second");

    now.addAndGet(1_000);
    deadlines.sweep(Runnable::run);
    assertThat(fired).containsExactly("early", "early, armed second", "late");
    assertThat(deadlines.size()).isZero();
  }

  @Test
  void aDisarmedDeadlineNeverFires() {
    Deadlines.Entry entry = deadlines.arm(Duration.ofNanos(10), () -> fired.add("disarmed"));
    deadlines.arm(Duration.ofNanos(10), () -> fired.add("armed"));

    deadlines.disarm(entry);
    now.addAndGet(20);
    deadlines.sweep(Runnable::run);

    assertThat(fired).containsExactly("armed");
  }

  @Test
  void aHugeLimitDoesNotOverflow() {
    deadlines.arm(Duration.ofSeconds(Long.MAX_VALUE), () -> fired.add("never"));
    now.addAndGet(Duration.ofDays(365).toNanos());
    deadlines.sweep(Runnable::run);

    assertThat(fired).isEmpty();
  }
}
