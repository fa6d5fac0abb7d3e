package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class OrderedReporterTest {
  private static final JobId ID = JobId.derive(Specs.OWNER, "r");
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  private static BackendJobState state(JobStatus status) {
    return BackendJobState.of(ID, status, AT);
  }

  @Test
  void reportsArriveInTheOrderTheyWereAdded() {
    List<JobStatus> seen = new CopyOnWriteArrayList<>();
    OrderedReporter reporter = OrderedReporter.create(ID, update -> seen.add(update.status()));

    reporter.add(state(JobStatus.JOB_STARTED));
    reporter.add(state(JobStatus.CONFIGURING_VOLUMES));
    assertThat(seen).isEmpty();
    reporter.flush();

    assertThat(seen).containsExactly(JobStatus.JOB_STARTED, JobStatus.CONFIGURING_VOLUMES);
  }

  @Test
  void aReportAddedFromInsideTheListenerComesAfterTheOneBeingDelivered() {
    List<JobStatus> seen = new CopyOnWriteArrayList<>();
    OrderedReporter[] reporter = new OrderedReporter[1];
    reporter[0] =
        OrderedReporter.create(
            ID,
            update -> {
              seen.add(update.status());
              if (update.status() == JobStatus.JOB_STARTED) {
                reporter[0].add(state(JobStatus.STOPPED));
                reporter[0].flush(); // the outer flush delivers it, not this nested one
                seen.add(JobStatus.WARMING_UP);
              }
            });

    reporter[0].add(state(JobStatus.JOB_STARTED));
    reporter[0].flush();

    assertThat(seen)
        .containsExactly(JobStatus.JOB_STARTED, JobStatus.WARMING_UP, JobStatus.STOPPED);
  }

  @Test
  void aThrowingListenerDoesNotStopLaterReports() {
    List<JobStatus> seen = new CopyOnWriteArrayList<>();
    OrderedReporter reporter =
        OrderedReporter.create(
            ID,
            update -> {
              seen.add(update.status());
              throw new IllegalStateException("boom");
            });

    reporter.add(state(JobStatus.JOB_STARTED));
    reporter.add(state(JobStatus.STOPPED));
    reporter.flush();

    assertThat(seen).containsExactly(JobStatus.JOB_STARTED, JobStatus.STOPPED);
  }

  @Test
  void queuedReportsGoToTheListenerBoundLast() {
    List<String> seen = new CopyOnWriteArrayList<>();
    OrderedReporter reporter = OrderedReporter.create(ID, null);
    reporter.add(state(JobStatus.JOB_STARTED));
    reporter.flush(); // nobody listens yet: dropped

    reporter.bind(update -> seen.add("first " + update.status()));
    reporter.bind(update -> seen.add("second " + update.status()));
    reporter.add(state(JobStatus.STOPPED));
    reporter.flush();

    assertThat(seen).containsExactly("second " + JobStatus.STOPPED);
  }

  @Test
  void deliveryIsOneAtATimeAcrossThreads() throws InterruptedException {
    AtomicInteger inside = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    AtomicInteger delivered = new AtomicInteger();
    OrderedReporter reporter =
        OrderedReporter.create(
            ID,
            update -> {
              if (inside.incrementAndGet() > 1) {
                overlapped.set(true);
              }
              Thread.onSpinWait();
              delivered.incrementAndGet();
              inside.decrementAndGet();
            });
    int threads = 4;
    int each = 500;
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  reporter.add(state(JobStatus.RUNNING_ALGORITHM));
                  reporter.flush();
                }
                done.countDown();
              });
      thread.start();
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    reporter.flush();

    assertThat(overlapped).isFalse();
    assertThat(delivered).hasValue(threads * each);
  }
}
