package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Stages a job whose pod needs no staging step at all: the provider sees the output claim (with the
 * supervisor's busybox on it) and every claim its inputs are on ({@code visibleClaim}), and the
 * algorithm is raw code or its image. The provider then does what the pod's {@value
 * Manifests#STAGE_DATA} step would: it checks each input's path in its claim (there, before any pod
 * exists, so that the kubelet never makes a missing {@code subPath} in the publisher's claim), and
 * writes the job's small layout (DDOs, custom data, code, and each claim input's mount point) into
 * the job's directory on the output claim, beside its {@code outputs} and {@code logs}, read-only
 * for the pods' user (directories 0755 and files 0444 of this provider's user; the claim inputs
 * themselves are mounted read-only), and the algorithm's container mounts that directory as {@code
 * /data}: one mount rather than five, each of which costs the kubelet about 15 ms. The pod runs the
 * algorithm's container alone ({@link StagingSteps#unstaged}), as a bare Job would.
 *
 * <p>Stateless and thread-safe; calls block on the file system.
 */
final class ClaimStaging {
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("r--r--r--");

  private ClaimStaging() {}

  /**
   * Whether a pod of inputs {@code claims} can do without a staging step: every input claim seen by
   * this provider, and an output claim with the supervisor's tools on it, this provider's own
   * ({@link OutputClaim#sealedTools}, which makes them so).
   */
  static boolean possible(
      @Nullable OutputClaim output, List<Manifests.ClaimInput> claims, Map<String, Path> visible) {
    return output != null
        && claims.stream().allMatch(c -> visible.containsKey(c.claim()))
        && output.sealedTools();
  }

  /**
   * Why {@code input} cannot be mounted from its claim, seen at {@code root}, or null if it can:
   * its path must be there, a regular file or a directory, inside the claim once links are followed
   * (as the kubelet requires of a {@code subPath}), and readable by the pods' user.
   */
  static @Nullable String unreadable(Manifests.ClaimInput input, Path root) {
    String why =
        input.what()
            + ": path "
            + input.path()
            + " cannot be read in PersistentVolumeClaim "
            + input.claim();
    try {
      Path base = root.toRealPath();
      Path real = base.resolve(input.path()).toRealPath();
      if (!real.startsWith(base)) {
        return why + " (a link leads out of the claim)";
      }
      PosixFileAttributes attributes = Files.readAttributes(real, PosixFileAttributes.class);
      if (!attributes.isRegularFile() && !attributes.isDirectory()) {
        return why + " (neither a file nor a directory)";
      }
      if (!readableByPods(real, attributes)) {
        return why + " (the pods' user " + Manifests.NOBODY + " may not read it)";
      }
      return null;
    } catch (NoSuchFileException e) {
      return why + " (no such file)";
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return why + " (" + e.getClass().getSimpleName() + ")";
    }
  }

  /**
   * Stages {@code spec} into its job's directory on {@code output}, beside the directories the
   * algorithm writes (anew: a Job made again stages again). Returns false, leaving nothing staged,
   * when the job needs a staging step after all: a file to copy, an input whose path cannot be
   * mounted any more (the staging step then says so), or a job's directory owned by the pods' own
   * user (whose algorithm could then change what it was given).
   */
  static boolean stage(
      JobSpec spec,
      JobDirectory directory,
      OutputClaim output,
      List<Manifests.ClaimInput> claims,
      Map<String, Path> visible,
      PodStaging staging,
      Consumer<String> log)
      throws IOException {
    Path job = output.jobDirectory(spec.jobId());
    removeStaged(job);
    if (!ownedByAnotherUser(job)) {
      return false;
    }
    boolean done = false;
    try {
      for (Manifests.ClaimInput input : claims) {
        Path root = visible.get(input.claim());
        if (root == null || unreadable(input, root) != null) {
          return false;
        }
      }
      if (!staging.intoDirectory(spec, directory, job, log)) {
        return false;
      }
      for (Manifests.ClaimInput input : claims) {
        Path source = requireNonNull(visible.get(input.claim())).resolve(input.path());
        Path point = job.resolve(input.target());
        Files.createDirectories(point.getParent());
        if (Files.isDirectory(source)) {
          Files.createDirectory(point);
          Files.setPosixFilePermissions(point, DIRECTORY);
        } else {
          Files.createFile(point);
          Files.setPosixFilePermissions(point, FILE);
        }
      }
      log.accept(
          "staged on output claim "
              + output.claim()
              + " ("
              + claims.size()
              + " claim input(s) checked by this provider, mounted read-only where they are):"
              + " the pod has no staging step");
      done = true;
      return true;
    } finally {
      if (!done) {
        removeStaged(job);
      }
    }
  }

  private static void removeStaged(Path job) throws IOException {
    for (String part : OutputClaim.STAGED) {
      JobDirectoryStore.deleteTree(job.resolve(part));
    }
  }

  /** Whether {@code job} belongs to a user other than the pods' (false where it cannot be told). */
  private static boolean ownedByAnotherUser(Path job) throws IOException {
    try {
      return ((Integer) Files.getAttribute(job, "unix:uid", LinkOption.NOFOLLOW_LINKS))
          != Manifests.NOBODY;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean readableByPods(Path real, PosixFileAttributes attributes)
      throws IOException {
    Set<PosixFilePermission> mode = attributes.permissions();
    int uid = (Integer) Files.getAttribute(real, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (Integer) Files.getAttribute(real, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    boolean directory = attributes.isDirectory();
    if (uid == Manifests.NOBODY) {
      return mode.contains(PosixFilePermission.OWNER_READ)
          && (!directory || mode.contains(PosixFilePermission.OWNER_EXECUTE));
    }
    if (gid == Manifests.NOBODY) {
      return mode.contains(PosixFilePermission.GROUP_READ)
          && (!directory || mode.contains(PosixFilePermission.GROUP_EXECUTE));
    }
    return mode.contains(PosixFilePermission.OTHERS_READ)
        && (!directory || mode.contains(PosixFilePermission.OTHERS_EXECUTE));
  }
}
