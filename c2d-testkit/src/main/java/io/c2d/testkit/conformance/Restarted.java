package io.c2d.testkit.conformance;

import io.c2d.model.JobId;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.RecoveredJob;
import java.util.Map;

/**
 * Two jobs seen by a first backend instance, and what a second instance recovered (see {@link
 * ConformanceFixture#restart}). Immutable once built; the maps are not copied.
 */
final class Restarted {
  final KitJob running;
  final KitJob finished;
  final BackendJobState finishedEnd;
  final Map<String, byte[]> bytesBefore;
  final Map<JobId, RecoveredJob> recovered;
  final Recorder listener;

  Restarted(
      KitJob running,
      KitJob finished,
      BackendJobState finishedEnd,
      Map<String, byte[]> bytesBefore,
      Map<JobId, RecoveredJob> recovered,
      Recorder listener) {
    this.running = running;
    this.finished = finished;
    this.finishedEnd = finishedEnd;
    this.bytesBefore = bytesBefore;
    this.recovered = recovered;
    this.listener = listener;
  }
}
