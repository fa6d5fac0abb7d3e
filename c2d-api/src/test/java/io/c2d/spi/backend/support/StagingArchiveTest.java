package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The staging archive both container backends write, read back with a real tar reader. */
class StagingArchiveTest {
  @TempDir Path dir;

  @Test
  void entriesHaveTheirOwnersModesAndContentAndLongNamesSurvive() throws Exception {
    Path a = Files.writeString(dir.resolve("a"), "first ");
    Path b = Files.writeString(dir.resolve("b"), "second");
    String longName = "inputs/" + "d".repeat(64) + "/" + "n".repeat(120);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (StagingArchive archive =
        StagingArchive.builder().writableOwner(1000, 1001).writingTo(out)) {
      archive.directory("inputs", false);
      archive.directory("outputs", true);
      archive.file(longName, List.of(a, b), false);
      archive.text("transformations/algorithm", "echo hi\n", true);
    }

    List<TarArchiveEntry> entries = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entries.add(e);
        contents.add(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
      }
    }

    assertThat(entries)
        .extracting(TarArchiveEntry::getName)
        .containsExactly("inputs/", "outputs/", longName, "transformations/algorithm");
    assertThat(entries.get(0).getMode()).isEqualTo(040555);
    assertThat(entries.get(0).getLongUserId()).isZero();
    assertThat(entries.get(1).getMode()).isEqualTo(040755);
    assertThat(entries.get(1).getLongUserId()).isEqualTo(1000);
    assertThat(entries.get(1).getLongGroupId()).isEqualTo(1001);
    assertThat(entries.get(2).getMode()).isEqualTo(0100444);
    assertThat(contents.get(2)).isEqualTo("first second");
    assertThat(entries.get(3).getMode()).isEqualTo(0100555);
    assertThat(contents.get(3)).isEqualTo("echo hi\n");
  }

  @Test
  void anArchiveForANonRootUnpackerHasWritableDirectories() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (StagingArchive archive = StagingArchive.builder().writableDirectories().writingTo(out)) {
      archive.directory("ddos/", false);
    }
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      assertThat(tar.getNextEntry().getMode()).isEqualTo(040755);
      assertThat(tar.getNextEntry()).isNull();
    }
  }
}
