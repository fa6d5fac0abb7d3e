package io.c2d.backend.docker;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The dataset inputs one job's container reads in place: host files bind-mounted read-only at
 * {@code /data/inputs/<did>/<n>}, and the checks that keep such a mount safe. A bind mount hands
 * the engine a path, which the engine (as root) resolves when the container starts; so a source is
 * mounted only if:
 *
 * <ul>
 *   <li>it is not itself a symbolic link (refused: {@code DATA_PROVISIONING_FAILED});
 *   <li>its real path (every link in its directories resolved) is a regular file outside {@code
 *       /proc}, {@code /sys} and {@code /dev} (else refused);
 *   <li>the algorithm's user may read it as it is on disk (else it is copied, and the job's
 *       configuration log says why);
 *   <li>no directory on its real path can be changed by anyone but root and the provider's own user
 *       (owned by one of them, and not writable by group or others unless sticky with the entry
 *       below it owned by one of them), so nobody else can swap the file or a directory for a link
 *       between this check and the mount (else it is copied, and the log says why).
 * </ul>
 *
 * <p>The engine must see the provider's files at the same paths: see {@link
 * DockerComputeBackend.Builder#mountInputs}. Inside the container, {@code /proc/self/mountinfo}
 * shows a mounted input's path on the host.
 *
 * <p>Not thread-safe; one instance per staging.
 */
final class InputMounts {
  private static final List<Path> SPECIAL =
      List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));
  private static final int TYPE_MASK = 0170000;
  private static final int REGULAR = 0100000;
  private static final int STICKY = 01000;

  private final int uid;
  private final int gid;
  private final int providerUid;
  private final Consumer<String> configLog;
  private final List<InputMount> mounts = new ArrayList<>();

  /**
   * Mounts for an algorithm running as {@code uid}:{@code gid}, staged by a provider running as
   * {@code providerUid}.
   */
  InputMounts(int uid, int gid, int providerUid, Consumer<String> configLog) {
    this.uid = uid;
    this.gid = gid;
    this.providerUid = providerUid;
    this.configLog = configLog;
  }

  /** The mounts taken so far, in order. */
  List<InputMount> mounts() {
    return List.copyOf(mounts);
  }

  /**
   * Takes {@code source} as the input {@code name} (relative to {@code /data}) if it can be mounted
   * safely; returns false (and logs why) if it should be copied instead.
   *
   * @throws StageFailure {@code DATA_PROVISIONING_FAILED} if it must not reach the algorithm
   * @throws IOException if its attributes cannot be read
   */
  boolean offer(String name, Path source) throws IOException, StageFailure {
    if (Files.isSymbolicLink(source)) {
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "input " + name + " is a symbolic link: inputs are never reached through a link");
    }
    Path real = source.toRealPath();
    for (Path special : SPECIAL) {
      if (real.startsWith(special)) {
        throw new StageFailure(
            JobStatus.DATA_PROVISIONING_FAILED, "input " + name + " is not an ordinary file");
      }
    }
    int mode;
    int owner;
    int group;
    try {
      mode = unix(real, "mode");
      owner = unix(real, "uid");
      group = unix(real, "gid");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      configLog.accept("copied " + name + ": this file system does not show Unix owners");
      return false;
    }
    if ((mode & TYPE_MASK) != REGULAR) {
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED, "input " + name + " is not a regular file");
    }
    if (!readableByAlgorithm(mode, owner, group)) {
      configLog.accept(
          "copied "
              + name
              + " instead of mounting it: the algorithm's user "
              + uid
              + " may not read the file as it is on disk");
      return false;
    }
    String unsafe = swappableDirectory(real, owner);
    if (unsafe != null) {
      configLog.accept(
          "copied "
              + name
              + " instead of mounting it: "
              + unsafe
              + ", so the file could be swapped for a link before the engine mounts it");
      return false;
    }
    mounts.add(new InputMount(SandboxContract.container().path(name), real, true));
    return true;
  }

  private boolean readableByAlgorithm(int mode, int owner, int group) {
    if (owner == uid) {
      return (mode & 0400) != 0;
    }
    if (group == gid) {
      return (mode & 0040) != 0;
    }
    return (mode & 0004) != 0;
  }

  /** Why a directory on {@code real}'s path could be changed by someone else; null if none. */
  private @Nullable String swappableDirectory(Path real, int fileOwner) throws IOException {
    int childOwner = fileOwner;
    for (Path dir = real.getParent(); dir != null; dir = dir.getParent()) {
      int mode = unix(dir, "mode");
      int owner = unix(dir, "uid");
      if (!trusted(owner)) {
        return "a directory on its path belongs to user " + owner;
      }
      boolean othersWrite = (mode & 0022) != 0;
      boolean sticky = (mode & STICKY) != 0;
      if (othersWrite && !(sticky && trusted(childOwner))) {
        return "a directory on its path is writable by other users";
      }
      childOwner = owner;
    }
    return null;
  }

  /** An attribute of the {@code unix} view, never following a link. */
  private static int unix(Path path, String attribute) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:" + attribute, LinkOption.NOFOLLOW_LINKS);
  }

  private boolean trusted(int owner) {
    return owner == 0 || owner == providerUid;
  }

  /**
   * One bind mount.
   *
   * @param target the path in the container
   * @param source the real path on the engine's host
   * @param readOnly whether the container may only read it
   */
  record InputMount(String target, Path source, boolean readOnly) {}
}
