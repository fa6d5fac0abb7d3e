package io.c2d;

import io.c2d.model.EthAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Jobs waiting for capacity, one FIFO per consumer. When capacity frees, the consumer served least
 * recently goes first, so a consumer who queued a thousand jobs waits behind each other consumer's
 * next job, not in front of it. Not thread-safe: the environment's lock guards it.
 */
final class FairQueue {
  /** How many consumers' last service is remembered; older ones count as never served. */
  private static final int REMEMBERED_CONSUMERS = 10_000;

  private final LinkedHashMap<EthAddress, ArrayDeque<JobRecord>> byConsumer = new LinkedHashMap<>();
  private final Map<EthAddress, Long> lastServed =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<EthAddress, Long> eldest) {
          return size() > REMEMBERED_CONSUMERS;
        }
      };
  private long services;
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

  /** Records that {@code consumer} got a job running, whether it waited or not. */
  void served(EthAddress consumer) {
    lastServed.put(consumer, ++services);
  }

  /**
   * Removes and returns the head job of the least recently served consumer whose head job {@code
   * canRun} accepts; null if none can run now.
   */
  @Nullable JobRecord pollFirstRunnable(Predicate<JobRecord> canRun) {
    EthAddress chosen = null;
    long chosenServed = Long.MAX_VALUE;
    for (Map.Entry<EthAddress, ArrayDeque<JobRecord>> entry : byConsumer.entrySet()) {
      JobRecord head = entry.getValue().peekFirst();
      if (head == null || !canRun.test(head)) {
        continue;
      }
      Long when = lastServed.get(entry.getKey());
      long order = when == null ? 0 : when;
      if (order < chosenServed) {
        chosen = entry.getKey();
        chosenServed = order;
      }
    }
    if (chosen == null) {
      return null;
    }
    ArrayDeque<JobRecord> queue = byConsumer.get(chosen);
    JobRecord head = queue == null ? null : queue.pollFirst();
    if (queue == null || head == null) {
      return null;
    }
    if (queue.isEmpty()) {
      byConsumer.remove(chosen);
    }
    size--;
    return head;
  }
}
