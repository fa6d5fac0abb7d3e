package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.spi.backend.JobSpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk queue of jobs waiting for capacity: order kept, damage reported, never thrown. */
final class QueuedJobStoreTest {
  private static final EthAddress ALICE = TestKey.ALICE.address();
  private static final EthAddress BOB = TestKey.BOB.address();

  @TempDir Path dir;

  private static JobSpec spec(EthAddress owner, String requestId) {
    return JobSpec.builder(JobId.derive(owner, requestId), owner)
        .requestId(requestId)
        .datasets(
            List.of(
                DatasetInput.builder(Did.of("did:op:" + "cc".repeat(32)), "compute")
                    .addFile(URI.create("file:///data/a.csv"))
                    .build()))
        .algorithm(Algorithm.raw(ContainerSpec.of("busybox", "1", "sh $ALGO"), "true").build())
        .environmentId("cpu")
        .createdAt(Instant.parse("2026-12-07T05:00:00Z"))
        .build();
  }

  private static List<JobId> ids(QueuedJobStore.Loaded loaded) {
    return loaded.entries().stream().map(e -> e.spec().jobId()).toList();
  }

  @Test
  void jobsComeBackWholeInTheOrderTheyWereSavedAndLaterOnesAfterThem() {
    JobSpec a1 = spec(ALICE, "1");
    JobSpec b1 = spec(BOB, "1");
    JobSpec a2 = spec(ALICE, "2");
    QueuedJobStore store = QueuedJobStore.open(dir);
    store.save(a1, false);
    store.save(b1, true);
    store.save(a2, false);

    QueuedJobStore restarted = QueuedJobStore.open(dir);
    QueuedJobStore.Loaded loaded = restarted.load();

    assertThat(restarted.durable()).isTrue();
    assertThat(loaded.unreadable()).isEmpty();
    assertThat(ids(loaded)).containsExactly(a1.jobId(), b1.jobId(), a2.jobId());
    assertThat(loaded.entries().get(0).spec()).isEqualTo(a1);
    assertThat(loaded.entries().get(1).free()).isTrue();
    assertThat(loaded.entries().get(2).free()).isFalse();

    // after a restart, a new job is queued behind every job read back; a forgotten one is gone
    JobSpec b2 = spec(BOB, "2");
    restarted.forget(a1.jobId());
    restarted.save(b2, false);
    assertThat(ids(QueuedJobStore.open(dir).load()))
        .containsExactly(b1.jobId(), a2.jobId(), b2.jobId());
  }

  @Test
  void damagedFilesAreSetAsideAndReportedAndTheOtherJobsStillComeBack() throws Exception {
    JobSpec kept = spec(ALICE, "kept");
    JobSpec torn = spec(ALICE, "torn");
    JobSpec renamed = spec(BOB, "renamed");
    QueuedJobStore store = QueuedJobStore.open(dir);
    store.save(kept, false);
    store.save(torn, false);
    store.save(renamed, false);
    // a file cut in the middle (not something the atomic write leaves, but a disk may)
    Path tornFile = dir.resolve(torn.jobId().value() + ".json");
    byte[] whole = Files.readAllBytes(tornFile);
    Files.write(tornFile, java.util.Arrays.copyOf(whole, whole.length / 2));
    // a file that names another job than its own
    Files.move(
        dir.resolve(renamed.jobId().value() + ".json"),
        dir.resolve(spec(BOB, "other").jobId().value() + ".json"));
    // garbage, and valid JSON that is no queued job
    Files.writeString(dir.resolve("0".repeat(32) + ".json"), "\u0000\u0001 not json");
    Files.writeString(dir.resolve("1".repeat(32) + ".json"), "{\"version\":2}");
    // what a crash leaves of a write before its rename: its start was never acknowledged
    Path temporary = dir.resolve("." + spec(BOB, "x").jobId().value() + ".json123.tmp");
    Files.writeString(temporary, "{\"version\":1,", StandardCharsets.UTF_8);

    QueuedJobStore.Loaded loaded = QueuedJobStore.open(dir).load();

    assertThat(ids(loaded)).containsExactly(kept.jobId());
    assertThat(loaded.unreadable()).hasSize(4);
    assertThat(loaded.unreadable())
        .allSatisfy(
            bad -> {
              assertThat(bad.reason().code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
              assertThat(bad.reason().getMessage()).contains("unreadable");
              assertThat(bad.file().resolveSibling(bad.file().getFileName() + ".unreadable"))
                  .exists();
            });
    assertThat(temporary).doesNotExist();
    // set aside: a second start reads the good job only, and reports nothing again
    QueuedJobStore.Loaded again = QueuedJobStore.open(dir).load();
    assertThat(ids(again)).containsExactly(kept.jobId());
    assertThat(again.unreadable()).isEmpty();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(f -> f.toString().endsWith(".unreadable"))).hasSize(4);
    }
  }

  @Test
  void withoutADirectoryNothingIsKept() {
    QueuedJobStore store = QueuedJobStore.inMemory();
    store.save(spec(ALICE, "1"), false);
    store.forget(spec(ALICE, "1").jobId());

    assertThat(store.durable()).isFalse();
    assertThat(store.load().entries()).isEmpty();
  }

  @Test
  void aDirectoryThatCannotBeMadeIsATypedFailure() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> QueuedJobStore.open(file.resolve("queue")))
        .isInstanceOfSatisfying(
            UnavailableException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND_FAILURE));
  }
}
