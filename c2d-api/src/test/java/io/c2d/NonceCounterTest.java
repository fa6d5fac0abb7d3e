package io.c2d;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.EthAddress;
import io.c2d.spi.auth.NonceStore;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ocean's per-consumer nonce counters in both nonce stores. */
final class NonceCounterTest {
  private static final EthAddress ALICE = TestKey.ALICE.address();
  private static final EthAddress BOB = TestKey.BOB.address();

  /** An expiry after the start of {@link ManualTime}, for c2d's used-once nonces. */
  private static final Instant LATER = Instant.parse("2026-12-01T01:00:00Z");

  @TempDir Path dir;
  private final ManualTime time = new ManualTime();

  @Test
  void theInMemoryCounterOnlyGrows() {
    onlyGrows(new InMemoryNonceStore(time));
  }

  @Test
  void theFileCounterOnlyGrows() {
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      onlyGrows(store);
    }
  }

  private static void onlyGrows(NonceStore store) {
    assertThat(store.counter(ALICE)).isEqualTo(BigInteger.ZERO);
    assertThat(store.advanceCounter(ALICE, BigInteger.ZERO)).as("0 is not above 0").isFalse();
    assertThat(store.advanceCounter(ALICE, BigInteger.ONE)).isTrue();
    assertThat(store.advanceCounter(ALICE, BigInteger.ONE)).as("replayed").isFalse();
    assertThat(store.advanceCounter(ALICE, BigInteger.valueOf(5))).as("a gap is fine").isTrue();
    assertThat(store.advanceCounter(ALICE, BigInteger.valueOf(3))).as("lower").isFalse();
    assertThat(store.counter(ALICE)).isEqualTo(BigInteger.valueOf(5));
    assertThat(store.counter(BOB)).as("per consumer").isEqualTo(BigInteger.ZERO);
    assertThat(store.advanceCounter(BOB, BigInteger.valueOf(2))).isTrue();
    BigInteger huge = BigInteger.TEN.pow(77);
    assertThat(store.advanceCounter(ALICE, huge)).isTrue();
    assertThat(store.counter(ALICE)).isEqualTo(huge);
    // The two namespaces are apart: c2d's used-once nonce "7" is not Ocean's counter 7.
    assertThat(store.markUsed(BOB, "7", LATER)).isTrue();
    assertThat(store.advanceCounter(BOB, BigInteger.valueOf(7))).isTrue();
  }

  @Test
  void ofConcurrentInMemoryAdvancesOnlyOneWinsPerValue() throws Exception {
    onlyOneWinsPerValue(new InMemoryNonceStore(time));
  }

  @Test
  void ofConcurrentFileAdvancesOnlyOneWinsPerValue() throws Exception {
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      onlyOneWinsPerValue(store);
    }
  }

  /** 8 threads race for each of 20 values, then with overlapping runs of values. */
  private static void onlyOneWinsPerValue(NonceStore store) throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 1; round <= 20; round++) {
        BigInteger value = BigInteger.valueOf(round);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          Callable<Boolean> call =
              () -> {
                go.await();
                return store.advanceCounter(ALICE, new BigInteger(value.toString()));
              };
          results.add(pool.submit(call));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> result : results) {
          winners += result.get() ? 1 : 0;
        }
        assertThat(winners).as("winners of %s", value).isEqualTo(1);
      }
      // Values 21..420 from 8 threads, each value offered by two of them: none is accepted twice,
      // and the counter ends at the highest.
      ConcurrentLinkedQueue<BigInteger> accepted = new ConcurrentLinkedQueue<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int v = 21 + thread; v <= 420; v += threads / 2) {
                    BigInteger value = BigInteger.valueOf(v);
                    if (store.advanceCounter(ALICE, value)) {
                      accepted.add(value);
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      assertThat(store.counter(ALICE)).isEqualTo(BigInteger.valueOf(420));
      assertThat(accepted).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRestartKeepsEveryCounterAlsoThroughCompaction() throws Exception {
    try (FileNonceStore store = FileNonceStore.open(dir, time, 16)) {
      assertThat(store.advanceCounter(ALICE, BigInteger.valueOf(41))).isTrue();
      assertThat(store.advanceCounter(ALICE, BigInteger.valueOf(42))).isTrue();
      assertThat(store.advanceCounter(BOB, BigInteger.valueOf(9))).isTrue();
      // Enough short-lived c2d nonces to compact the journal, with them expired meanwhile.
      for (int i = 0; i < 20; i++) {
        store.markUsed(BOB, "old-" + i, time.instant().plusSeconds(10));
      }
      time.advance(Duration.ofMinutes(1));
      for (int i = 0; i < 20; i++) {
        store.markUsed(BOB, "new-" + i, time.instant().plusSeconds(600));
      }
      assertThat(Files.readAllLines(dir.resolve(FileNonceStore.JOURNAL)))
          .as("compacted: one line per counter, no expired nonce")
          .hasSizeLessThan(20 + 20 + 3);
    }
    try (FileNonceStore restarted = FileNonceStore.open(dir, time)) {
      assertThat(restarted.counter(ALICE)).isEqualTo(BigInteger.valueOf(42));
      assertThat(restarted.counter(BOB)).isEqualTo(BigInteger.valueOf(9));
      assertThat(restarted.advanceCounter(ALICE, BigInteger.valueOf(42))).isFalse();
      assertThat(restarted.advanceCounter(ALICE, BigInteger.valueOf(7))).isFalse();
      assertThat(restarted.advanceCounter(ALICE, BigInteger.valueOf(43))).isTrue();
    }
    try (FileNonceStore again = FileNonceStore.open(dir, time)) {
      assertThat(again.counter(ALICE)).isEqualTo(BigInteger.valueOf(43));
    }
  }

  @Test
  void aTornCounterLineIsIgnoredAndTheLastWholeOneKept() throws Exception {
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      store.advanceCounter(ALICE, BigInteger.valueOf(5));
    }
    Files.writeString(
        dir.resolve(FileNonceStore.JOURNAL),
        "counter " + ALICE.value() + " 9",
        UTF_8,
        StandardOpenOption.APPEND);
    try (FileNonceStore restarted = FileNonceStore.open(dir, time)) {
      // The torn append never returned true, so 9 was never accepted: 6 is still fresh.
      assertThat(restarted.counter(ALICE)).isEqualTo(BigInteger.valueOf(5));
      assertThat(restarted.advanceCounter(ALICE, BigInteger.valueOf(6))).isTrue();
    }
  }

  @Test
  void aCorruptCounterLineFailsClosed() throws Exception {
    for (String corrupt :
        List.of(
            "counter 0xnothex 5",
            "counter " + ALICE.value() + " -1",
            "counter " + ALICE.value() + " 12x",
            "counter " + ALICE.value().toUpperCase(Locale.ROOT) + " 3",
            "counter " + ALICE.value() + " " + "9".repeat(79),
            "counter " + ALICE.value())) {
      Path store = dir.resolve("s" + Integer.toHexString(corrupt.hashCode()));
      Files.createDirectories(store);
      Files.writeString(store.resolve(FileNonceStore.JOURNAL), corrupt + "\n", UTF_8);

      assertThatThrownBy(() -> FileNonceStore.open(store, time))
          .as(corrupt)
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("corrupt");
    }
  }

  @Test
  void aClosedFileStoreRefusesCounters() {
    FileNonceStore store = FileNonceStore.open(dir, time);
    store.advanceCounter(ALICE, BigInteger.ONE);
    store.close();

    assertThatThrownBy(() -> store.advanceCounter(ALICE, BigInteger.TWO))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("refusing");
    assertThatThrownBy(() -> store.counter(ALICE)).isInstanceOf(UnavailableException.class);
  }

  @Test
  void aStoreWithoutCountersRefusesWithAConfigurationError() {
    NonceStore legacy = (consumer, nonce, expiresAt) -> true;

    assertThatThrownBy(() -> legacy.counter(ALICE))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("keeps no Ocean nonce counters");
    assertThatThrownBy(() -> legacy.advanceCounter(ALICE, BigInteger.ONE))
        .isInstanceOf(ConfigurationException.class);
  }
}
