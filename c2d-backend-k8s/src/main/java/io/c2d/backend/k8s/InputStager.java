package io.c2d.backend.k8s;

import io.c2d.model.DatasetInput;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a job's Secret carries into the pod: every input file and the algorithm's code, from
 * {@code file:} and {@code data:} URIs, at most {@link KubernetesComputeBackend#MAX_STAGED_BYTES}
 * bytes in all (a Secret holds at most 1 MiB, base64 included).
 *
 * <p>Stateless and thread-safe; blocks on the file system.
 */
final class InputStager {
  private InputStager() {}

  /**
   * The staged content of {@code spec}, by its key in the Secret.
   *
   * @throws IOException if a file cannot be read, a URI is of another scheme, or it is too much
   */
  static Map<String, byte[]> stage(JobSpec spec) throws IOException {
    Map<String, byte[]> staged = new LinkedHashMap<>();
    long total = 0;
    List<DatasetInput> datasets = spec.datasets();
    for (int d = 0; d < datasets.size(); d++) {
      List<URI> files = datasets.get(d).files();
      for (int n = 0; n < files.size(); n++) {
        byte[] content = read(files.get(n));
        total += content.length;
        staged.put(Manifests.inputKey(d, n), content);
      }
    }
    byte[] code =
        spec.algorithm().rawCode().map(c -> c.getBytes(StandardCharsets.UTF_8)).orElse(null);
    if (code == null && !spec.algorithm().files().isEmpty()) {
      code = read(spec.algorithm().files().get(0));
    }
    if (code != null) {
      total += code.length;
      staged.put(Manifests.ALGORITHM_KEY, code);
    }
    if (total > KubernetesComputeBackend.MAX_STAGED_BYTES) {
      throw new IOException(
          "the inputs and algorithm are "
              + total
              + " bytes, over the Kubernetes backend's staging limit of "
              + KubernetesComputeBackend.MAX_STAGED_BYTES
              + " bytes");
    }
    return staged;
  }

  private static byte[] read(URI uri) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    return switch (scheme) {
      case "file" -> Files.readAllBytes(Path.of(uri));
      case "data" -> {
        String ssp = uri.getSchemeSpecificPart();
        int comma = ssp.indexOf(',');
        if (comma < 0) {
          throw new IOException("malformed data URI");
        }
        String body = ssp.substring(comma + 1);
        yield ssp.substring(0, comma).endsWith(";base64")
            ? Base64.getDecoder().decode(body)
            : body.getBytes(StandardCharsets.UTF_8);
      }
      default ->
          throw new IOException(
              "the Kubernetes backend stages only file: and data: inputs, not " + scheme + ":");
    };
  }
}
