package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.SandboxContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;

/**
 * The PersistentVolumeClaim the pods write their outputs and logs to, when the provider can see
 * that claim's files itself (it runs on the node of a hostPath or local volume, or has the claim
 * mounted): each job gets {@code <job name>/outputs} and {@code <job name>/logs} in it, mounted as
 * the algorithm's {@code /data/outputs} and {@code /data/logs} ({@code subPath}s), and once the
 * algorithm ended the provider moves the files into its result area (a rename on one file system:
 * no byte crosses the API server, and the caps are applied as they are taken: the file that crosses
 * the output cap is truncated, later ones dropped). The job's directory is made by the provider
 * before the pod exists (the job's two directories writable by the pods' user, the job's own
 * directory not) and removed once collected or when the job is deleted. A job staged on the claim
 * ({@link ClaimStaging}) has the rest of its {@code /data} layout there too ({@code inputs}, {@code
 * ddos}, {@code transformations}, read-only for the pods' user), and the claim keeps the
 * supervisor's busybox in {@value #TOOLS} for such pods.
 *
 * <p>Immutable and thread-safe; calls block on the file system.
 *
 * @param claim the claim's name, in the backend's namespace
 * @param localRoot where this provider sees the claim's root
 */
record OutputClaim(String claim, Path localRoot) {
  static final String OUTPUTS = "outputs";
  static final String LOGS = "logs";

  /**
   * What a job staged on the claim ({@link ClaimStaging}) has in its directory beside {@value
   * #OUTPUTS} and {@value #LOGS}: its pod mounts the whole directory as {@code /data}.
   */
  static final List<String> STAGED =
      List.of(SandboxContract.INPUTS, SandboxContract.DDOS, SandboxContract.TRANSFORMATIONS);

  /**
   * The claim's directory of the supervisor's static busybox ({@link Containment}), put there by
   * the staging step of a held pod and mounted read-only by the pods that have no staging step.
   */
  static final String TOOLS = ".c2d-bin";

  /** The supervisor's busybox in {@value #TOOLS}. */
  static final String BUSYBOX = "busybox";

  /** The claim's {@code subPath} of job {@code id}'s directory. */
  static String subPath(JobId id) {
    return ObjectNames.of(id).job();
  }

  /** The claim's {@code subPath} of job {@code id}'s directory {@code part}. */
  static String subPath(JobId id, String part) {
    return ObjectNames.of(id).job() + "/" + part;
  }

  /** The job's directory, as this provider sees it. */
  Path jobDirectory(JobId id) {
    return localRoot.resolve(ObjectNames.of(id).job());
  }

  /**
   * Makes job {@code id}'s directories (again, if they exist), writable by the pods' non-root user:
   * owned by it where this process may give files away (root), else open to every user (the job's
   * directory is this provider's and no other pod mounts the job's directories).
   */
  void prepare(JobId id) throws IOException {
    Path job = jobDirectory(id);
    Files.createDirectories(job);
    Files.setPosixFilePermissions(job, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String part : new String[] {OUTPUTS, LOGS}) {
      openToPods(job.resolve(part));
    }
  }

  /**
   * Makes {@value #TOOLS} for a held pod's staging step to leave the supervisor's busybox in,
   * writable by the pods' user, unless the busybox is there already.
   */
  void prepareTools() throws IOException {
    if (!hasTools()) {
      openToPods(localRoot.resolve(TOOLS));
    }
  }

  /**
   * Whether the supervisor's busybox is on the claim and this provider's own, so that a pod can run
   * it as its first process without a staging step before it; makes it so where a held pod's
   * staging step left it. That step wrote it as the pods' user into a directory open to that user
   * (to every user where this provider is not root), so this provider puts its own copy in its
   * place, read-only for everyone, and closes the directory to anyone but itself. False, leaving
   * pods held, where the busybox is missing or a link, or cannot be made this provider's.
   */
  boolean sealedTools() {
    if (!hasTools()) {
      return false;
    }
    Path dir = localRoot.resolve(TOOLS);
    Path busybox = dir.resolve(BUSYBOX);
    try {
      if (sealed(dir, busybox)) {
        return true;
      }
      Path copy = dir.resolve(".busybox-provider-" + UUID.randomUUID());
      try {
        Files.copy(busybox, copy, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.move(
            copy, busybox, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(copy);
      }
      Files.setOwner(dir, Files.getOwner(busybox, LinkOption.NOFOLLOW_LINKS));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      return sealed(dir, busybox);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Whether the tools directory and its busybox have one owner, not the pods' user, and no one else
   * may write them.
   */
  private static boolean sealed(Path dir, Path busybox) throws IOException {
    int owner = unix(dir, "uid");
    int othersMayWrite = 0022;
    return owner == unix(busybox, "uid")
        && owner != Manifests.NOBODY
        && (unix(dir, "mode") & othersMayWrite) == 0
        && (unix(busybox, "mode") & othersMayWrite) == 0;
  }

  private static int unix(Path path, String attribute) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:" + attribute, LinkOption.NOFOLLOW_LINKS);
  }

  /** Whether the supervisor's busybox is on the claim (a regular file, never a link). */
  private boolean hasTools() {
    try {
      BasicFileAttributes busybox =
          Files.readAttributes(
              localRoot.resolve(TOOLS).resolve(BUSYBOX),
              BasicFileAttributes.class,
              LinkOption.NOFOLLOW_LINKS);
      return busybox.isRegularFile() && busybox.size() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Makes directory {@code dir} if needed, writable by the pods' non-root user. */
  private static void openToPods(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(dir);
    }
    try {
      Files.setAttribute(dir, "unix:uid", (int) Manifests.NOBODY, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(dir, "unix:gid", (int) Manifests.NOBODY, LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
  }

  /** Removes what is left of job {@code id}'s directory (links are removed, never followed). */
  void remove(JobId id) throws IOException {
    JobDirectoryStore.deleteTree(jobDirectory(id));
  }
}
