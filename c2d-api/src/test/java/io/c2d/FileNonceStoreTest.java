package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineAssertions.assertThatThrownBy;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FileNonceStoreTest {
  private static final EthAddress ALICE = TestKey.ALICE.address();
  private static final EthAddress BOB = TestKey.BOB.address();

  @TempDir Path dir;
  private final ManualTime time = new ManualTime();

  @Test
  void aNonceIsUsedOncePerConsumerAndStaysUsedAfterARestart() {
    Instant expiry = time.instant().plus(Duration.ofHours(1));
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      assertThat(store.markUsed(ALICE, "1", expiry)).isTrue();
      assertThat(store.markUsed(ALICE, "1", expiry)).isFalse();
      assertThat(store.markUsed(BOB, "1", expiry)).isTrue();
      assertThat(store.markUsed(ALICE, "odd nonce\nwith space", expiry)).isTrue();
    }
    try (FileNonceStore restarted = FileNonceStore.open(dir, time)) {
      assertThat(restarted.markUsed(ALICE, "1", expiry)).isFalse();
      assertThat(restarted.markUsed(BOB, "1", expiry)).isFalse();
      assertThat(restarted.markUsed(ALICE, "odd nonce\nwith space", expiry)).isFalse();
      assertThat(restarted.markUsed(ALICE, "2", expiry)).isTrue();
    }
  }

  @Test
  void ofConcurrentCallsWithOneNonceExactlyOneWins() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      for (int round = 0; round < 20; round++) {
        String nonce = "n" + round;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          Callable<Boolean> call =
              () -> {
                go.await();
                return store.markUsed(ALICE, nonce, time.instant().plusSeconds(60));
              };
          results.add(pool.submit(call));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> result : results) {
          winners += result.get() ? 1 : 0;
        }
        assertThat(winners).as("winners for %s", nonce).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTornLastLineFromACrashIsIgnored() throws Exception {
    Instant expiry = time.instant().plus(Duration.ofHours(1));
    try (FileNonceStore store = FileNonceStore.open(dir, time)) {
      store.markUsed(ALICE, "kept", expiry);
    }
    Files.writeString(
        dir.resolve(FileNonceStore.JOURNAL),
        expiry.toEpochMilli() + " " + BOB.value() + " dG9ya",
        UTF_8,
        StandardOpenOption.APPEND);

    try (FileNonceStore restarted = FileNonceStore.open(dir, time)) {
      assertThat(restarted.markUsed(ALICE, "kept", expiry)).isFalse();
      assertThat(restarted.markUsed(BOB, "next", expiry)).isTrue();
    }
    try (FileNonceStore again = FileNonceStore.open(dir, time)) {
      assertThat(again.markUsed(BOB, "next", expiry)).isFalse();
      assertThat(again.size()).isEqualTo(2);
    }
  }

  @Test
  void aCorruptLineInTheMiddleFailsClosed() throws Exception {
    Files.writeString(dir.resolve(FileNonceStore.JOURNAL), "garbage\n1 2 3\n", UTF_8);

    assertThatThrownBy(() -> FileNonceStore.open(dir, time))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("nonce store");
  }

  @Test
  void expiredEntriesAreDroppedOnOpenAndByCompaction() throws Exception {
    Path journal = dir.resolve(FileNonceStore.JOURNAL);
    Instant soon = time.instant().plusSeconds(10);
    Instant late = time.instant().plus(Duration.ofHours(1));
    try (FileNonceStore store = FileNonceStore.open(dir, time, 16)) {
      store.markUsed(BOB, "live", late);
      for (int i = 0; i < 10; i++) {
        store.markUsed(BOB, "old-" + i, soon);
      }
      time.advance(Duration.ofMinutes(1));
      for (int i = 0; i < 10; i++) {
        store.markUsed(BOB, "new-" + i, late);
      }
      assertThat(Files.readAllLines(journal)).hasSizeLessThan(21);
      assertThat(store.size()).isEqualTo(11);
      assertThat(store.markUsed(BOB, "live", late)).isFalse();
    }
    try (FileNonceStore restarted = FileNonceStore.open(dir, time)) {
      assertThat(restarted.markUsed(BOB, "live", late)).isFalse();
      assertThat(restarted.markUsed(BOB, "new-9", late)).isFalse();
      assertThat(restarted.size()).isEqualTo(11);
      assertThat(Files.readAllLines(journal)).hasSize(11);
    }
  }

  @Test
  void anUnusableDirectoryOrAClosedStoreFailsClosed() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> FileNonceStore.open(notADirectory.resolve("nonces"), time))
        .isInstanceOf(UnavailableException.class);

    FileNonceStore store = FileNonceStore.open(dir, time);
    assertThatThrownBy(() -> FileNonceStore.open(dir, time))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("another nonce store");
    store.close();
    assertThatThrownBy(() -> store.markUsed(ALICE, "1", time.instant().plusSeconds(60)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("refusing");
  }

  @Test
  void aRestartedEngineRefusesAReplayedRequest() {
    ComputeRequest first;
    ComputeRequest replay;
    try (EngineFixture f = fixture()) {
      first = f.requests.by(TestKey.ALICE).dataset(1).nonce("42").sign();
      replay =
          f.requests
              .by(TestKey.ALICE)
              .dataset(2)
              .nonce("42")
              .configure(b -> b.requestId("another"))
              .sign();
      f.engine.start(first).toCompletableFuture().join();
    }
    try (EngineFixture restarted = fixture()) {
      assertThat(failureOf(restarted.engine.start(replay))).hasCode(ErrorCode.NONCE_REPLAYED);
    }
  }

  @Test
  void anEngineWhoseNonceStoreFailsRefusesTheRequest() {
    FileNonceStore store = FileNonceStore.open(dir.resolve("given"), time);
    store.close();
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 1, 10)),
            ScriptedVerifier.allowAll(),
            time,
            b -> b.nonceStore(store))) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).sign();

      assertThat(failureOf(f.engine.start(request))).hasCode(ErrorCode.BACKEND_FAILURE);
      assertThat(f.engine.jobsOf(TestKey.ALICE.address())).isEmpty();
    }
  }

  private EngineFixture fixture() {
    return new EngineFixture(
        ScriptedBackend.of(environment("local", 2, 1, 10)),
        ScriptedVerifier.allowAll(),
        time,
        b -> b.properties(Map.of("c2d.state-dir", dir.toString())));
  }
}
