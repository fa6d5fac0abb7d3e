package io.c2d.testkit;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.spi.backend.JobSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The state every {@link InMemoryComputeBackend} instance sharing one "infrastructure" sees: the
 * jobs, the submission log and the scripting mode. Thread-safe: the maps and atomics are
 * concurrent, {@code submitted} is guarded by {@code submittedLock}, the mode fields are volatile.
 */
final class InMemoryStore {
  final Map<String, ComputeEnvironment> environmentsById;
  final List<ComputeEnvironment> environments;
  final ConcurrentHashMap<JobId, InMemoryJob> jobs = new ConcurrentHashMap<>();
  final Object submittedLock = new Object();
  final List<JobSpec> submitted = new ArrayList<>(); // guarded by submittedLock
  final AtomicInteger submitCalls = new AtomicInteger();
  final AtomicReference<@Nullable RuntimeException> failNext = new AtomicReference<>();
  volatile @Nullable InMemoryResults auto;
  volatile Clock clock = Clock.systemUTC();

  InMemoryStore(Map<String, ComputeEnvironment> environmentsById) {
    this.environmentsById = Map.copyOf(environmentsById);
    this.environments = List.copyOf(environmentsById.values());
  }
}
