package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class AuditJournalTest {
  private static final JobId JOB = JobId.of("0123456789abcdef0123456789abcdef");
  private static final List<Did> ASSETS = List.of(Did.of("did:op:" + "a".repeat(64)));

  @TempDir Path dir;

  @Test
  void entriesAreKeptInOrderAndReadBackAfterAReopen() {
    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      append(journal, "chain", ResultNotice.State.WITHHELD, "copy of an input");
      append(journal, "reviewer:dora", ResultNotice.State.RELEASED, "");
    }

    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      assertThat(journal.entries())
          .extracting(AuditEntry::sequence, AuditEntry::actor, AuditEntry::reason)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(1L, "chain", "copy of an input"),
              org.assertj.core.groups.Tuple.tuple(2L, "reviewer:dora", ""));
      assertThat(journal.entries(JOB)).hasSize(2);
      assertThat(append(journal, "chain", ResultNotice.State.REDACTED, "r").sequence())
          .isEqualTo(3);
    }
  }

  @Test
  void aTornLastLineIsCutAndTheJournalGoesOn() throws Exception {
    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      append(journal, "chain", ResultNotice.State.WITHHELD, "one");
    }
    Files.writeString(
        dir.resolve(AuditJournal.JOURNAL), "{\"seq\":2,\"at\"", StandardOpenOption.APPEND);

    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      assertThat(journal.entries()).hasSize(1);
      append(journal, "chain", ResultNotice.State.RELEASED, "");
    }
    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      assertThat(journal.entries()).hasSize(2);
    }
  }

  @Test
  void aCorruptJournalFailsClosed() throws Exception {
    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      append(journal, "chain", ResultNotice.State.WITHHELD, "one");
      append(journal, "chain", ResultNotice.State.WITHHELD, "two");
    }
    Path file = dir.resolve(AuditJournal.JOURNAL);
    String text = Files.readString(file);
    Files.writeString(file, text.replaceFirst("\"seq\":1", "\"seq\":7"), StandardCharsets.UTF_8);

    assertThatThrownBy(() -> AuditJournal.open(dir, Clock.systemUTC()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("out of sequence");

    Files.writeString(file, "garbage\n" + text, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> AuditJournal.open(dir, Clock.systemUTC()))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void asecondJournalOnTheSameDirectoryIsRefused() {
    try (AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC())) {
      assertThatThrownBy(() -> AuditJournal.open(dir, Clock.systemUTC()))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("another engine");
      assertThat(journal.entries()).isEmpty();
    }
  }

  @Test
  void aClosedJournalRefusesToRecordSoNothingIsServedUnrecorded() {
    AuditJournal journal = AuditJournal.open(dir, Clock.systemUTC());
    journal.close();

    assertThatThrownBy(() -> append(journal, "chain", ResultNotice.State.RELEASED, ""))
        .isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> append(journal, "chain", ResultNotice.State.RELEASED, ""))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("unavailable");
  }

  @Test
  void inMemoryTheRecordIsKeptForTheEnginesLife() {
    AuditJournal journal = AuditJournal.inMemory(Clock.systemUTC());
    append(journal, "chain", ResultNotice.State.PENDING_REVIEW, "held");

    assertThat(journal.entries())
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("held"));
  }

  private static AuditEntry append(
      AuditJournal journal, String actor, ResultNotice.State state, String reason) {
    return journal.append(JOB, ASSETS, actor, "out.csv", ResultKind.OUTPUT, state, reason, "", "");
  }
}
