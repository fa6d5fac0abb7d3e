package io.c2d.backend.k8s;

import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.SandboxContract;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The inputs of a job that live on a PersistentVolumeClaim ({@link FileLocator#pvc}): they are
 * mounted read-only into the algorithm's container, never copied. Claim names and paths are checked
 * here, before anything is created: the path ends up in a mount's {@code subPath} and in the
 * staging step's script.
 *
 * <p>Stateless and thread-safe.
 */
final class ClaimInputs {
  private static final Pattern CLAIM = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  private ClaimInputs() {}

  /** Whether {@code name} can name a PersistentVolumeClaim. */
  static boolean isClaimName(String name) {
    return CLAIM.matcher(name).matches();
  }

  /** Whether {@code file} is an input on a claim. */
  static boolean isClaim(FileLocator file) {
    return file.kind() == FileLocator.Kind.PVC;
  }

  /**
   * The claim inputs of {@code spec}, in order.
   *
   * @throws IllegalArgumentException if one names a claim or a path that may not be used
   */
  static List<Manifests.ClaimInput> of(JobSpec spec) {
    List<Manifests.ClaimInput> claims = new ArrayList<>();
    for (DatasetInput dataset : spec.datasets()) {
      List<FileLocator> files = dataset.locators();
      for (int n = 0; n < files.size(); n++) {
        FileLocator file = files.get(n);
        if (!isClaim(file)) {
          continue;
        }
        String what = "dataset " + dataset.did() + " file " + n;
        String claim = file.claimName().orElse("");
        if (!CLAIM.matcher(claim).matches()) {
          throw new IllegalArgumentException(
              what + ": not a PersistentVolumeClaim's name: " + claim);
        }
        String path = file.pathInClaim().orElse("");
        while (path.startsWith("/")) {
          path = path.substring(1);
        }
        checkPath(what, path);
        claims.add(
            new Manifests.ClaimInput(
                claim, path, SandboxContract.inputFile(dataset.did(), n), what));
      }
    }
    return claims;
  }

  private static void checkPath(String what, String path) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException(what + ": no path inside the PersistentVolumeClaim");
    }
    for (String segment : path.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            what
                + ": the path inside the PersistentVolumeClaim may only have segments of letters,"
                + " digits, '.', '_' and '-' (no '.' or '..'): "
                + path);
      }
    }
  }
}
