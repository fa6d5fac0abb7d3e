package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.Resources;
import io.c2d.model.ResultNotice;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The engine's mutable record of one job: its latest snapshot, what it holds of its environment's
 * capacity, and its watchdog. Fields other than {@link #snapshot} are guarded by {@link #lock}.
 */
final class JobRecord {
  final Object lock = new Object();
  final EnvironmentSlot slot;
  final Resources resources;
  final String bodySha256;

  private volatile ComputeJob snapshot;

  /** What the backend runs; dropped once the job ends, to keep finished jobs small. */
  @Nullable JobSpec spec;

  /** Whether the job is free compute (no agreement or order); set before it is admitted. */
  boolean free;

  /** Whether the job counts against its environment's free limits; guarded by the slot's lock. */
  boolean holdsFreeSlot;

  /** Whether the job holds capacity of its environment. */
  boolean holdsCapacity;

  /** Whether the job was handed to its backend. */
  boolean dispatched;

  /**
   * Whether the job waits in the {@link QueuedJobStore} (until its backend holds it or it ends).
   */
  boolean queuedOnDisk;

  Deadlines.@Nullable Entry watchdog;

  /** While the job's outputs are being published: the backend's completed state to end with. */
  @Nullable BackendJobState publishing;

  /** The result filters and review of the job's assets, once computed ({@link ResultGate}). */
  @Nullable ResultPolicy resultPolicy;

  /** While the result filters run or the review waits: the backend's ended state to end with. */
  @Nullable BackendJobState filtering;

  /** The spec of a job whose results are being filtered (kept for its inputs and publishing). */
  @Nullable JobSpec filteringSpec;

  /** What the result filters and review decided, shown in every later snapshot. */
  List<ResultNotice> notices = List.of();

  /** The derived asset published from the job's outputs, once there is one. */
  @Nullable Did derivedAsset;

  /** Waiting jobs that got this job's capacity when it ended; the engine dispatches them. */
  List<JobRecord> nowRunnable = List.of();

  JobRecord(
      ComputeJob snapshot,
      EnvironmentSlot slot,
      Resources resources,
      String bodySha256,
      @Nullable JobSpec spec) {
    this.snapshot = snapshot;
    this.slot = slot;
    this.resources = resources;
    this.bodySha256 = bodySha256;
    this.spec = spec;
  }

  JobId id() {
    return snapshot.id();
  }

  EthAddress owner() {
    return snapshot.owner();
  }

  ComputeJob snapshot() {
    return snapshot;
  }

  void snapshot(ComputeJob next) {
    this.snapshot = next;
  }
}
