package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.EthAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class InMemoryNonceStoreTest {
  private static final EthAddress ALICE = EthAddress.of("0x" + "a1".repeat(20));
  private static final EthAddress BOB = EthAddress.of("0x" + "b2".repeat(20));

  @Test
  void aNonceIsFreshOncePerConsumer() {
    InMemoryNonceStore store = new InMemoryNonceStore(Clock.systemUTC());
    Instant expiry = Instant.now().plusSeconds(60);

    assertThat(store.markUsed(ALICE, "1", expiry)).isTrue();
    assertThat(store.markUsed(ALICE, "1", expiry)).isFalse();
    assertThat(store.markUsed(BOB, "1", expiry)).isTrue();
  }

  @Test
  void expiredNoncesAreForgottenAndLiveOnesKept() {
    Instant start = Instant.parse("2026-11-21T00:00:00Z");
    Clock later = Clock.fixed(start.plusSeconds(60), ZoneOffset.UTC);
    InMemoryNonceStore sweeper = new InMemoryNonceStore(later);
    for (int i = 0; i < 1000; i++) {
      sweeper.markUsed(BOB, "old-" + i, start.plusSeconds(10));
    }
    sweeper.markUsed(BOB, "live", start.plus(Duration.ofHours(1)));
    // The 1024th insertion sweeps, with the clock past the old nonces' expiry but not the others'.
    for (int i = 0; i < 1023; i++) {
      sweeper.markUsed(BOB, "new-" + i, start.plus(Duration.ofHours(1)));
    }

    assertThat(sweeper.size()).isEqualTo(1 + 1023);
    assertThat(sweeper.markUsed(BOB, "live", start.plus(Duration.ofHours(1)))).isFalse();
  }
}
