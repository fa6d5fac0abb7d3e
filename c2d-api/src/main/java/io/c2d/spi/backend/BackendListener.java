package io.c2d.spi.backend;

/**
 * Receives a backend's status reports. The engine's implementation is fast, never blocks and never
 * throws; backends call it from one thread at a time per job.
 */
@FunctionalInterface
public interface BackendListener {

  /** The job moved to {@code state}'s status. */
  void onUpdate(BackendJobState state);
}
