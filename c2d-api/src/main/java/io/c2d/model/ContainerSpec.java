package io.c2d.model;

import io.c2d.InvalidRequestException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The container an algorithm runs in: an image, its tag, optionally the digest the image must have,
 * and the entrypoint command (which may use {@code $ALGO}, the path of the algorithm's file).
 *
 * <p>Immutable and thread-safe.
 *
 * @param image the image name, such as {@code python} or {@code registry.example/org/algo}
 * @param tag the image tag, such as {@code 3.12-slim}
 * @param digest the content digest the image must have, {@code sha256:} and 64 hex digits; when
 *     set, a backend fails the job at algorithm provisioning (status 32) if the image differs
 * @param entrypoint the command line, such as {@code python $ALGO}: every backend replaces {@code
 *     $ALGO} by the algorithm file's path, splits the line on white space and runs it without a
 *     shell in the image's working directory ({@code
 *     io.c2d.spi.backend.support.SandboxContract#command}); {@code sh -c <script>} runs a script
 */
public record ContainerSpec(String image, String tag, @Nullable String digest, String entrypoint) {
  private static final Pattern IMAGE =
      Pattern.compile(
          "[a-z0-9]+([._-]{1,2}[a-z0-9]+)*(:[0-9]{1,5})?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final int MAX_ENTRYPOINT = 4096;

  /**
   * Validates the container.
   *
   * @throws InvalidRequestException naming {@code algorithm.container.image}, {@code .tag}, {@code
   *     .digest} or {@code .entrypoint} if one is missing or malformed
   */
  public ContainerSpec {
    Text.requireText(image, "algorithm.container.image", 255);
    if (!IMAGE.matcher(image).matches()) {
      throw new InvalidRequestException(
          "algorithm.container.image", "is not an image name: '" + Text.abbreviate(image) + "'");
    }
    Text.requireText(tag, "algorithm.container.tag", 128);
    if (!TAG.matcher(tag).matches()) {
      throw new InvalidRequestException(
          "algorithm.container.tag", "is not an image tag: '" + Text.abbreviate(tag) + "'");
    }
    if (digest != null) {
      digest = Text.toLowerAscii(digest);
      if (!DIGEST.matcher(digest).matches()) {
        throw new InvalidRequestException(
            "algorithm.container.digest",
            "expected sha256: and 64 hex digits but got '" + Text.abbreviate(digest) + "'");
      }
    }
    Text.requireText(entrypoint, "algorithm.container.entrypoint", MAX_ENTRYPOINT);
    if (entrypoint.indexOf('\0') >= 0) {
      throw new InvalidRequestException("algorithm.container.entrypoint", "contains a NUL byte");
    }
  }

  /** A container without a digest requirement. */
  public static ContainerSpec of(String image, String tag, String entrypoint) {
    return new ContainerSpec(image, tag, null, entrypoint);
  }

  /** The image reference a container engine pulls: {@code image:tag}, or {@code image@digest}. */
  public String reference() {
    return digest == null ? image + ":" + tag : image + "@" + digest;
  }
}
