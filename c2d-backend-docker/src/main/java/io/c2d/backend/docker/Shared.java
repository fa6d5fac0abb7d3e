package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

/**
 * What every job of one {@link DockerComputeBackend} shares.
 *
 * @param docker the engine's client
 * @param clock the time of status reports
 * @param executor runs staging, collecting and the reactions to container exits
 * @param scheduler fires the phase and maximum-duration timeouts
 * @param closed whether the backend was closed: a closed backend leaves its jobs alone
 * @param sandbox the container settings every job gets
 */
record Shared(
    DockerClient docker,
    Clock clock,
    Executor executor,
    ScheduledExecutorService scheduler,
    BooleanSupplier closed,
    Sandbox sandbox) {

  /**
   * The sandbox settings of the backend.
   *
   * @param instance the backend instance's name, part of every label and object name
   * @param uid the algorithm's user id
   * @param gid the algorithm's group id
   * @param pidsLimit the most processes a job may have
   * @param tmpBytes the size of the job's {@code /tmp}
   * @param pullMissingImages whether an image missing on the engine is pulled
   */
  record Sandbox(
      String instance,
      int uid,
      int gid,
      long pidsLimit,
      long tmpBytes,
      boolean pullMissingImages) {}
}
