package io.c2d.backend.docker;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sum of a job's writable directories, checked while the algorithm runs: the file-size limit
 * bounds each file at the source, this bounds their sum. Every {@link #PERIOD} the directories are
 * walked (links never followed, at most {@link #MAX_ENTRIES} entries: more count as past the
 * quota); past the quota {@code over} runs once with the bytes seen. Only where this process reads
 * the directories on the engine's host (the host-directory layout, or a local volume as root).
 *
 * <p>Thread-safe.
 */
final class DiskWatch {
  private static final Logger logger = LoggerFactory.getLogger(DiskWatch.class);

  /** How often the directories are summed. */
  static final Duration PERIOD = Duration.ofMillis(500);

  /** More entries than this in the writable directories count as past the quota. */
  static final int MAX_ENTRIES = 100_000;

  private final List<Path> directories;
  private final long quota;
  private final LongConsumer over;
  private volatile @Nullable ScheduledFuture<?> task;
  private volatile boolean done;

  private DiskWatch(List<Path> directories, long quota, LongConsumer over) {
    this.directories = List.copyOf(directories);
    this.quota = quota;
    this.over = over;
  }

  /** Starts watching {@code directories} on {@code scheduler}; null if it is closed. */
  static @Nullable DiskWatch start(
      ScheduledExecutorService scheduler, List<Path> directories, long quota, LongConsumer over) {
    DiskWatch watch = new DiskWatch(directories, quota, over);
    try {
      watch.task =
          scheduler.scheduleWithFixedDelay(
              watch::check, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
    return watch;
  }

  private void check() {
    if (done) {
      return;
    }
    long seen = used();
    if (seen > quota && !done) {
      stop();
      over.accept(seen);
    }
  }

  /** The bytes of the regular files below the directories (past {@link #MAX_ENTRIES}: max). */
  long used() {
    long[] total = {0, 0};
    for (Path dir : directories) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        Files.walkFileTree(
            dir,
            EnumSet.noneOf(FileVisitOption.class),
            64,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (++total[1] > MAX_ENTRIES) {
                  total[0] = Long.MAX_VALUE;
                  return FileVisitResult.TERMINATE;
                }
                if (attrs.isRegularFile()) {
                  total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // gone while walking: the next walk sees
              }
            });
      } catch (IOException | RuntimeException e) {
        logger.debug("could not sum {}: {}", dir, e.toString());
      }
      if (total[0] == Long.MAX_VALUE) {
        break;
      }
    }
    return total[0];
  }

  /** Stops watching. Idempotent. */
  void stop() {
    done = true;
    ScheduledFuture<?> scheduled = task;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }
}
