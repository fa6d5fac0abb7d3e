package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ResultCollectorTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path root;
  private JobDirectory directory;
  private Path outputs;

  @BeforeEach
  void setUp() throws IOException {
    directory = JobDirectoryStore.of(root).directory(Specs.spec("a").jobId());
    outputs = Files.createDirectories(directory.resolve("data/outputs"));
  }

  /** Collects {@code outputs} by taking (linking) its files, with these caps. */
  private ResultCollector.Collected take(long maxOutputBytes, long maxLogBytes) throws IOException {
    ResultCollector collector =
        ResultCollector.start(directory, maxOutputBytes, maxLogBytes, CLOCK);
    collector.takeOutputDirectory(outputs, "data/outputs");
    return collector.finish();
  }

  /** Collects {@code outputs} by copying its files, with these caps. */
  private ResultCollector.Collected add(long maxOutputBytes, long maxLogBytes) throws IOException {
    ResultCollector collector =
        ResultCollector.start(directory, maxOutputBytes, maxLogBytes, CLOCK);
    collector.addOutputDirectory(outputs, "data/outputs");
    return collector.finish();
  }

  @Test
  void outputsInNameOrderThenLogsThenPublishLog() throws IOException {
    Files.writeString(outputs.resolve("b.txt"), "bb");
    Files.createDirectories(outputs.resolve("sub"));
    Files.writeString(outputs.resolve("sub/a.txt"), "a");
    Files.writeString(directory.configurationLog(), "configured\n");

    ResultCollector collector = ResultCollector.start(directory, 100, 10_000, CLOCK);
    collector.addOutputDirectory(outputs, "data/outputs");
    collector.addLog(
        "configuration.log", ResultKind.CONFIGURATION_LOG, directory.configurationLog());
    collector.addLog("algorithm.log", ResultKind.ALGORITHM_LOG, directory.resolve("missing"));
    ResultCollector.Collected collected = collector.finish();

    assertThat(collected.results())
        .extracting(JobResult::name)
        .containsExactly("b.txt", "sub/a.txt", "configuration.log", "publish.log");
    assertThat(collected.results()).extracting(JobResult::index).containsExactly(0, 1, 2, 3);
    assertThat(collected.truncated()).isFalse();
    assertThat(directory.resultArea(ResultKind.OUTPUT).resolve("sub/a.txt")).hasContent("a");
    assertThat(directory.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"))
        .content()
        .contains("collected 'b.txt' (2 bytes)", "listed 3 results");
  }

  @Test
  void theOutputCapCutsTheCrossingFileAndDropsLaterOnes() throws IOException {
    Files.writeString(outputs.resolve("a"), "aaaa");
    Files.writeString(outputs.resolve("b"), "bbbbbb");
    Files.writeString(outputs.resolve("c"), "cc");
    Files.writeString(outputs.resolve("d"), "");

    ResultCollector.Collected collected = add(8, 1000);

    assertThat(collected.results())
        .extracting(JobResult::name, JobResult::size)
        .startsWith(tuple("a", 4L), tuple("b", 4L), tuple("d", 0L));
    assertThat(collected.truncated()).isTrue();
    assertThat(collected.cutSummary())
        .contains("cut 'b' at 4 bytes", "dropped 'c' (2 bytes): outputs are capped at 8 bytes");
  }

  @Test
  void takenOutputsAreLinkedNotCopiedAndTheCrossingOneIsCutAtTheCap() throws IOException {
    Files.writeString(outputs.resolve("a"), "aaaa");
    Files.writeString(outputs.resolve("b"), "bbbbbb");
    Files.writeString(outputs.resolve("c"), "cc");
    Path secret = Files.writeString(root.resolve("secret"), "secret");
    Files.createSymbolicLink(outputs.resolve("link"), secret);
    Object inodeOfA =
        Files.readAttributes(outputs.resolve("a"), BasicFileAttributes.class).fileKey();

    ResultCollector.Collected collected = take(8, 1000);

    Path area = directory.resultArea(ResultKind.OUTPUT);
    assertThat(collected.results())
        .extracting(JobResult::name, JobResult::size)
        .startsWith(tuple("a", 4L), tuple("b", 4L));
    assertThat(area.resolve("a")).hasContent("aaaa");
    assertThat(area.resolve("b")).hasContent("bbbb");
    assertThat(area.resolve("c")).doesNotExist();
    assertThat(Files.readAttributes(area.resolve("a"), BasicFileAttributes.class).fileKey())
        .as("linked, not copied")
        .isEqualTo(inodeOfA);
    assertThat(outputs.resolve("a"))
        .as("kept until the sandbox is removed, for a collection a crash may cut short")
        .hasContent("aaaa");
    assertThat(outputs.resolve("b"))
        .as("the original of a cut file is never changed")
        .hasContent("bbbbbb");
    assertThat(outputs.resolve("c")).exists();
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(area.resolve("a"))))
        .isEqualTo("rw-r--r--");
    assertThat(secret).hasContent("secret");
    assertThat(collected.cutSummary())
        .contains("cut 'b' at 4 bytes", "dropped 'c' (2 bytes): outputs are capped at 8 bytes");
    assertThat(directory.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"))
        .content()
        .contains("skipped 'link': a symbolic link");
  }

  @Test
  void aCollectionCutShortByACrashIsDoneAgainInFullByTheNextInstance() throws IOException {
    Files.writeString(outputs.resolve("a"), "aaaa");
    Files.writeString(outputs.resolve("b"), "bbbbbb");
    ResultCollector first = ResultCollector.start(directory, 100, 1000, CLOCK);
    first.takeOutputDirectory(outputs, "data/outputs");
    // the process dies here: no finish(), no state written, the sandbox not removed

    ResultCollector.Collected collected = take(100, 1000);

    assertThat(collected.results())
        .extracting(JobResult::name, JobResult::size)
        .startsWith(tuple("a", 4L), tuple("b", 6L));
    Path area = directory.resultArea(ResultKind.OUTPUT);
    assertThat(area.resolve("a")).hasContent("aaaa");
    assertThat(area.resolve("b")).hasContent("bbbbbb");
    assertThat(collected.truncated()).isFalse();
  }

  @Test
  void aTakenFileWithAHardLinkIsCopiedSoCuttingOneNeverChangesTheOther() throws IOException {
    Files.writeString(outputs.resolve("a"), "aaaa");
    Files.createLink(outputs.resolve("b"), outputs.resolve("a"));

    ResultCollector.Collected collected = take(6, 1000);

    Path area = directory.resultArea(ResultKind.OUTPUT);
    assertThat(collected.results())
        .extracting(JobResult::name, JobResult::size)
        .startsWith(tuple("a", 4L), tuple("b", 2L));
    assertThat(area.resolve("a")).hasContent("aaaa");
    assertThat(area.resolve("b")).hasContent("aa");
  }

  @Test
  void linksAndUnsafeNamesAreSkippedNeverFollowed() throws IOException {
    Path secret = Files.writeString(root.resolve("secret"), "secret");
    Files.createSymbolicLink(outputs.resolve("link"), secret);

    ResultCollector collector = ResultCollector.start(directory, 100, 1000, CLOCK);
    collector.addOutputDirectory(outputs, "data/outputs");
    collector.addOutput("../escape", 1, new ByteArrayInputStream(new byte[] {1}));
    ResultCollector.Collected collected = collector.finish();

    assertThat(collected.results()).extracting(JobResult::name).containsExactly("publish.log");
    assertThat(directory.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"))
        .content()
        .contains("skipped 'link': a symbolic link", "skipped '../escape': not a safe result name");
  }

  @Test
  void streamedOutputsAndLogsAreCappedAndAFetchFailureIsKept() throws IOException {
    ResultCollector collector = ResultCollector.start(directory, 3, 5, CLOCK);
    collector.addOutput("x", 4, new ByteArrayInputStream("xxxx".getBytes(StandardCharsets.UTF_8)));
    try (OutputStream log = collector.openLog("algorithm.log", ResultKind.ALGORITHM_LOG)) {
      log.write("hello world".getBytes(StandardCharsets.UTF_8));
    }
    collector.outputsFailed("could not fetch the rest");
    ResultCollector.Collected collected = collector.finish();

    assertThat(collected.results())
        .extracting(JobResult::name, JobResult::size)
        .startsWith(tuple("x", 3L), tuple("algorithm.log", 5L));
    assertThat(collected.cuts())
        .anyMatch(cut -> cut.startsWith("cut 'x' at 3 bytes"))
        .contains("algorithm.log cut at 5 bytes (the log cap)")
        .anyMatch(cut -> cut.startsWith("publish.log cut at 5 bytes"));
    assertThat(collected.failure()).isEqualTo("could not fetch the rest");
    assertThat(directory.resultArea(ResultKind.ALGORITHM_LOG).resolve("algorithm.log"))
        .hasContent("hello");
  }

  @Test
  void aLogCutAtTheSourceIsReportedCutAndAReachedQuotaIsKeptWithTheLargestOutput()
      throws IOException {
    Path captured = Files.writeString(root.resolve("captured.log"), "hello");
    ResultCollector collector = ResultCollector.start(directory, 100, 10_000, CLOCK);
    collector.addOutput("a", 2, new ByteArrayInputStream("aa".getBytes(StandardCharsets.UTF_8)));
    collector.addOutput(
        "big", 1000, new ByteArrayInputStream("bbbbbbbbbb".getBytes(StandardCharsets.UTF_8)));
    collector.addLog("algorithm.log", ResultKind.ALGORITHM_LOG, captured, true);
    assertThat(collector.largestOutputBytes()).isEqualTo(1000);
    collector.quotaExceeded("an output reached the quota");
    ResultCollector.Collected collected = collector.finish();

    assertThat(collected.cuts()).contains("algorithm.log cut at 5 bytes (the log cap)");
    assertThat(collected.quotaExceeded()).isEqualTo("an output reached the quota");
    assertThat(collected.failure()).isNull();
    assertThat(directory.resultArea(ResultKind.PUBLISH_LOG).resolve("publish.log"))
        .content()
        .contains("an output reached the quota");
  }

  @Test
  void aSecondCollectionReplacesTheFirst() throws IOException {
    Files.writeString(outputs.resolve("a"), "a");
    ResultCollector first = ResultCollector.start(directory, 100, 1000, CLOCK);
    first.addOutputDirectory(outputs, "data/outputs");
    first.finish();
    Files.delete(outputs.resolve("a"));

    ResultCollector second = ResultCollector.start(directory, 100, 1000, CLOCK);
    second.addOutputDirectory(outputs, "data/outputs");
    second.finish();

    assertThat(directory.resultArea(ResultKind.OUTPUT).resolve("a")).doesNotExist();
  }
}
