package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** Records a backend's reports and waits for them without sleeping (wait/notify, with timeouts). */
final class Recorder implements BackendListener {
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  private final Object lock = new Object();
  private final List<BackendJobState> states = new ArrayList<>();

  @Override
  public void onUpdate(BackendJobState state) {
    synchronized (lock) {
      states.add(state);
      lock.notifyAll();
    }
  }

  List<BackendJobState> states() {
    synchronized (lock) {
      return List.copyOf(states);
    }
  }

  List<JobStatus> statuses() {
    return states().stream().map(BackendJobState::status).toList();
  }

  BackendJobState awaitTerminal() throws InterruptedException, TimeoutException {
    return await(s -> s.status().isTerminal());
  }

  BackendJobState awaitTerminal(JobId id) throws InterruptedException, TimeoutException {
    return await(s -> s.jobId().equals(id) && s.status().isTerminal());
  }

  BackendJobState awaitStatus(JobStatus status) throws InterruptedException, TimeoutException {
    return await(s -> s.status() == status);
  }

  private BackendJobState await(java.util.function.Predicate<BackendJobState> wanted)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    synchronized (lock) {
      while (true) {
        for (BackendJobState s : states) {
          if (wanted.test(s)) {
            return s;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("no such report within " + TIMEOUT + "; got " + states);
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }
}
