package io.c2d.testkit.conformance;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The test algorithms the conformance kit runs: portable shell scripts (busybox {@code sh} is
 * enough) shipped in this jar under {@code io/c2d/testkit/conformance/algorithms/}, so that a
 * Docker or Kubernetes backend can copy the same ones into its test image ({@link #copyTo}).
 *
 * <p>Each script reads only the sandbox contract ({@code $VOLUME}, {@code $DIDS}, ...) and its own
 * environment variables, documented on its constant. Run as raw algorithms with the entrypoint
 * {@value #ENTRYPOINT}.
 *
 * <p>Thread-safe; stateless. Methods throw {@link IllegalArgumentException} for a name that is not
 * one of {@link #NAMES}, and {@link UncheckedIOException} if the jar cannot be read.
 */
public final class TestAlgorithms {
  /** The entrypoint the scripts run with: {@value}. */
  public static final String ENTRYPOINT = "sh $ALGO";

  /**
   * Copies every input file to {@code input-<did>-<n>} and every DDO to {@code ddo-<did>} in the
   * outputs, writes {@code hello.txt}, {@code nested/deeper/deep.txt}, {@code bytes.bin} (4 binary
   * bytes) and an empty {@code empty.txt}, and prints one line to stdout and one to stderr.
   */
  public static final String ECHO_INPUTS = "echo-inputs.sh";

  /** Exits with {@code $EXIT_CODE} (default 3). */
  public static final String FAIL_WITH_CODE = "fail-with-code.sh";

  /** Writes {@code started.txt}, then never ends on its own. */
  public static final String SLEEP_FOREVER = "sleep-forever.sh";

  /** Writes {@code $OUTPUT_BYTES} bytes to {@code big.txt} and {@code $LOG_BYTES} to stdout. */
  public static final String WRITE_BIG_OUTPUT = "write-big-output.sh";

  /** Writes {@code ok.txt} and leaves symbolic links that point outside the outputs. */
  public static final String SYMLINK_ESCAPE = "symlink-escape.sh";

  /**
   * Writes the contract's variables to {@code env.txt} ({@code NAME=value} lines), the custom
   * parameters to {@code custom-data.json}, and {@code algo-readable.txt} if {@code $ALGO} exists.
   */
  public static final String PRINT_ENV = "print-env.sh";

  /**
   * Writes {@code probe.txt}: {@code inputs-writable=yes|no} and {@code uid=<n>}, what a sandbox
   * must refuse (writable inputs) and must not run as (root).
   */
  public static final String SANDBOX_PROBE = "sandbox-probe.sh";

  /**
   * Writes its arguments to {@code args.txt} (one a line), its working directory to {@code
   * cwd.txt}, and copies the first input, opened as {@code data/inputs/<did>/0} relative to its
   * working directory (as Ocean's examples do), to {@code relative-input} when that path exists.
   */
  public static final String PRINT_ARGS = "print-args.sh";

  /** Every script's name. */
  public static final List<String> NAMES =
      List.of(
          ECHO_INPUTS,
          FAIL_WITH_CODE,
          SLEEP_FOREVER,
          WRITE_BIG_OUTPUT,
          SYMLINK_ESCAPE,
          PRINT_ENV,
          SANDBOX_PROBE,
          PRINT_ARGS);

  private static final String ROOT = "algorithms/";

  private TestAlgorithms() {}

  /** The script's text. */
  public static String source(String name) {
    check(name);
    try (InputStream in = TestAlgorithms.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new UncheckedIOException(
            new IOException("the testkit jar lacks " + ROOT + name + "; is it complete?"));
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read test algorithm " + name, e);
    }
  }

  /**
   * A raw algorithm running the script in {@code container} (whose entrypoint should be {@link
   * #ENTRYPOINT}), with {@code environment} added to its environment.
   */
  public static Algorithm raw(
      String name, ContainerSpec container, Map<String, String> environment) {
    Algorithm.Builder algorithm = Algorithm.raw(container, source(name));
    environment.forEach(algorithm::putEnvironment);
    return algorithm.build();
  }

  /**
   * Writes every script into {@code directory} (created if missing), for a test image.
   *
   * @return the written files, in {@link #NAMES} order
   */
  public static List<Path> copyTo(Path directory) throws IOException {
    requireNonNull(directory, "directory");
    Files.createDirectories(directory);
    List<Path> written = new ArrayList<>();
    for (String name : NAMES) {
      written.add(Files.writeString(directory.resolve(name), source(name)));
    }
    return List.copyOf(written);
  }

  /** Which script a raw algorithm runs, if it is one of these. */
  static Optional<String> identify(Algorithm algorithm) {
    Optional<String> code = algorithm.rawCode();
    if (code.isEmpty()) {
      return Optional.empty();
    }
    for (String name : NAMES) {
      if (source(name).equals(code.get())) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  private static void check(String name) {
    requireNonNull(name, "name");
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException(
          "no test algorithm '" + name + "'; the testkit ships " + NAMES);
    }
  }
}
