package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import io.c2d.spi.backend.support.JobRuntime;

/**
 * What every job of one {@link DockerComputeBackend} shares.
 *
 * @param docker the engine's client
 * @param runtime the clock, the executor (staging, collecting, reactions to container exits), the
 *     scheduler of time limits and whether the backend was closed
 * @param settings the container settings every job gets
 */
record Shared(DockerClient docker, JobRuntime runtime, Settings settings) {

  /**
   * The sandbox settings of the backend.
   *
   * @param instance the backend instance's name, part of every label and object name
   * @param uid the algorithm's user id
   * @param gid the algorithm's group id
   * @param pidsLimit the most processes a job may have
   * @param tmpBytes the size of the job's {@code /tmp}
   * @param pullMissingImages whether an image missing on the engine is pulled
   * @param mountInputs whether local inputs are bind-mounted read-only rather than copied
   * @param hostSandbox whether a job's {@code /data} is a directory on the host ({@link
   *     HostStaging}) rather than a volume filled and read through the engine's archive API
   */
  record Settings(
      String instance,
      int uid,
      int gid,
      long pidsLimit,
      long tmpBytes,
      boolean pullMissingImages,
      boolean mountInputs,
      boolean hostSandbox) {}
}
