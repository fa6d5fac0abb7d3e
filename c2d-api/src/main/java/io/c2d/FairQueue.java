package io.c2d;

import io.c2d.model.EthAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Jobs waiting for capacity, one FIFO per consumer, served round-robin between consumers: a
 * consumer who queued a thousand jobs waits behind each other consumer's next job, not in front of
 * it. Not thread-safe: the environment's lock guards it.
 */
final class FairQueue {
  /** Consumers in service order; the one served last moves to the back. */
  private final LinkedHashMap<EthAddress, ArrayDeque<JobRecord>> byConsumer = new LinkedHashMap<>();

  private int size;

  int size() {
    return size;
  }

  void add(JobRecord job) {
    byConsumer.computeIfAbsent(job.owner(), owner -> new ArrayDeque<>()).addLast(job);
    size++;
  }

  boolean remove(JobRecord job) {
    ArrayDeque<JobRecord> queue = byConsumer.get(job.owner());
    if (queue == null || !queue.remove(job)) {
      return false;
    }
    if (queue.isEmpty()) {
      byConsumer.remove(job.owner());
    }
    size--;
    return true;
  }

  /**
   * Removes and returns the head job of the first consumer, in round-robin order, whose head job
   * {@code canRun} accepts; null if none can run now.
   */
  @Nullable JobRecord pollFirstRunnable(Predicate<JobRecord> canRun) {
    Iterator<Map.Entry<EthAddress, ArrayDeque<JobRecord>>> it = byConsumer.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<EthAddress, ArrayDeque<JobRecord>> entry = it.next();
      JobRecord head = entry.getValue().peekFirst();
      if (head != null && canRun.test(head)) {
        ArrayDeque<JobRecord> queue = entry.getValue();
        queue.pollFirst();
        it.remove();
        if (!queue.isEmpty()) {
          byConsumer.put(entry.getKey(), queue);
        }
        size--;
        return head;
      }
    }
    return null;
  }
}
