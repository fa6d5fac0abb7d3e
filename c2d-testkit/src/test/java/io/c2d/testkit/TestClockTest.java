package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

final class TestClockTest {

  @Test
  void wallTimeAndTickerMoveTogetherOnlyWhenAdvanced() {
    TestClock time = TestClock.create(Instant.parse("2026-12-01T10:00:00Z"));

    assertThat(time.instant()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(time.read()).isZero();

    time.advance(Duration.ofMinutes(15).plusNanos(7));

    assertThat(time.instant()).isEqualTo(Instant.parse("2026-12-01T10:15:00.000000007Z"));
    assertThat(time.read()).isEqualTo(Duration.ofMinutes(15).toNanos() + 7);
  }

  @Test
  void aViewInAnotherZoneMovesWithIt() {
    TestClock time = TestClock.create();
    var paris = time.withZone(ZoneId.of("Europe/Paris"));

    time.advance(Duration.ofSeconds(5));

    assertThat(paris.instant()).isEqualTo(TestClock.DEFAULT_START.plusSeconds(5));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
  }

  @Test
  void itNeverGoesBackAndAdvancesFromManyThreadsAddUp() {
    TestClock time = TestClock.create();
    assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);

    CompletableFuture.allOf(
            IntStream.range(0, 1000)
                .mapToObj(i -> CompletableFuture.runAsync(() -> time.advance(Duration.ofMillis(1))))
                .toArray(CompletableFuture[]::new))
        .join();

    assertThat(time.instant()).isEqualTo(TestClock.DEFAULT_START.plusSeconds(1));
  }
}
