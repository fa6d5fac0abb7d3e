package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.model.BindOptions;
import com.github.dockerjava.api.model.BindPropagation;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ulimit;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobLimits;
import io.c2d.spi.backend.support.SandboxContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The closed container of one job, as the engine is asked to create it: user, environment,
 * entrypoint (the sandbox contract's start rule, in the image's working directory) and the hardened
 * host configuration (see {@link DockerComputeBackend}'s documentation of each setting).
 *
 * <p>Stateless; thread-safe.
 */
final class ContainerSpecs {
  private ContainerSpecs() {}

  /**
   * Creates the container {@code name} of job {@code spec} on the engine, over the volume of the
   * same name if {@code volume}, with the bind mounts {@code binds}.
   *
   * @return the container's id
   * @throws RuntimeException whatever the engine's client throws
   */
  static String create(
      DockerClient docker,
      JobSpec spec,
      ComputeEnvironment environment,
      Shared.Settings sandbox,
      String name,
      Map<String, String> labels,
      boolean volume,
      List<InputMounts.InputMount> binds) {
    ContainerSpec container = spec.algorithm().container();
    CreateContainerResponse created =
        docker
            .createContainerCmd(container.image() + ":" + container.tag())
            .withName(name)
            .withLabels(labels)
            .withUser(sandbox.uid() + ":" + sandbox.gid())
            // no working directory: the image's own, as ocean-node leaves it
            .withEnv(environmentVariables(spec))
            .withEntrypoint(SandboxContract.container().command(container.entrypoint()))
            .withCmd(List.of())
            .withStdinOpen(false)
            .withTty(false)
            .withHostConfig(hostConfig(spec, environment, sandbox, name, volume, binds))
            .exec();
    return created.getId();
  }

  /** The algorithm's environment: the sandbox contract's variables, as {@code KEY=value}. */
  static List<String> environmentVariables(JobSpec spec) {
    Map<String, String> env = SandboxContract.container().environment(spec);
    List<String> list = new ArrayList<>(env.size());
    env.forEach((key, value) -> list.add(key + "=" + value));
    return list;
  }

  /** The closed sandbox: see {@link DockerComputeBackend}'s documentation of each setting. */
  static HostConfig hostConfig(
      JobSpec spec,
      ComputeEnvironment environment,
      Shared.Settings sandbox,
      String name,
      boolean volume,
      List<InputMounts.InputMount> binds) {
    Resources limits = JobLimits.of(spec, environment);
    long memory = limits.memoryBytes();
    long nanoCpus = limits.milliCpus() * 1_000_000L;
    long disk = limits.diskBytes();
    List<Ulimit> ulimits = new ArrayList<>();
    ulimits.add(new Ulimit("nofile", 1024L, 1024L));
    ulimits.add(new Ulimit("core", 0L, 0L));
    if (disk > 0) {
      ulimits.add(new Ulimit("fsize", disk, disk));
    }
    long logFile = Math.max(1L << 20, environment.maxLogBytes() + (64L << 10));
    List<Mount> mounts = new ArrayList<>(1 + binds.size());
    if (volume) {
      mounts.add(
          new Mount()
              .withType(MountType.VOLUME)
              .withSource(name)
              .withTarget(SandboxContract.CONTAINER_ROOT));
    }
    for (InputMounts.InputMount bind : binds) {
      // the engine mounts /data first (it sorts mounts by depth), then each one below it
      mounts.add(
          new Mount()
              .withType(MountType.BIND)
              .withSource(bind.source().toString())
              .withTarget(bind.target())
              .withReadOnly(bind.readOnly())
              .withBindOptions(new BindOptions().withPropagation(BindPropagation.R_PRIVATE)));
    }
    HostConfig host =
        HostConfig.newHostConfig()
            .withNetworkMode(spec.networkAccess() ? "bridge" : "none")
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"))
            .withPrivileged(false)
            .withReadonlyRootfs(true)
            .withTmpFs(Map.of("/tmp", "rw,noexec,nosuid,nodev,size=" + sandbox.tmpBytes()))
            .withMounts(mounts)
            .withPidsLimit(sandbox.pidsLimit())
            .withUlimits(ulimits)
            .withLogConfig(
                new LogConfig(
                    LogConfig.LoggingType.JSON_FILE,
                    Map.of("max-size", Long.toString(logFile), "max-file", "1")));
    if (memory > 0) {
      host.withMemory(memory).withMemorySwap(memory);
    }
    if (nanoCpus > 0) {
      host.withNanoCPUs(nanoCpus);
    }
    return host;
  }
}
