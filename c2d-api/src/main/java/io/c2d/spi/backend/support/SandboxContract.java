package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.c2d.model.Did;
import io.c2d.spi.backend.JobSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox contract, defined once for every backend: where an algorithm finds its inputs and
 * writes its outputs, and the environment variables that say so.
 *
 * <pre>
 * &lt;root&gt;/inputs/&lt;did&gt;/&lt;n&gt;              file n of each dataset (did without "did:op:")
 * &lt;root&gt;/inputs/algoCustomData.json   the algorithm's custom data
 * &lt;root&gt;/ddos/&lt;did&gt;                   the DDO of each dataset (and of a published algorithm)
 * &lt;root&gt;/transformations/algorithm    the algorithm (raw code, or its files concatenated)
 * &lt;root&gt;/outputs/                     what the algorithm returns
 * &lt;root&gt;/logs/                        the algorithm's own logs (not returned)
 * </pre>
 *
 * <p>The environment ({@link #environment}) is the algorithm's own variables, then {@code DIDS} (a
 * JSON array of the input DIDs without {@code did:op:}), {@code TRANSFORMATION_DID} (empty for a
 * raw algorithm), {@code VOLUME}, {@code INPUTS}, {@code OUTPUTS}, {@code LOGS}, {@code ALGO},
 * {@code HOME} and {@code TMPDIR}; the contract's variables win over the algorithm's of the same
 * name. In a container ({@link #container()}) the root is {@value #CONTAINER_ROOT} and {@code HOME}
 * and {@code TMPDIR} are {@value #CONTAINER_TMP}; a backend without containers names host
 * directories ({@link #of}).
 *
 * <p>Immutable and thread-safe. Arguments are non-null.
 */
public final class SandboxContract {
  /** The root of the layout in a container: {@value}. */
  public static final String CONTAINER_ROOT = "/data";

  /** {@code HOME} and {@code TMPDIR} in a container: {@value}. */
  public static final String CONTAINER_TMP = "/tmp";

  /** The inputs directory, relative to the root: {@value}. */
  public static final String INPUTS = "inputs";

  /** The DDOs directory, relative to the root: {@value}. */
  public static final String DDOS = "ddos";

  /** The algorithm's directory, relative to the root: {@value}. */
  public static final String TRANSFORMATIONS = "transformations";

  /** The algorithm file, relative to the root: {@value}. */
  public static final String ALGORITHM = "transformations/algorithm";

  /** The algorithm's custom data, relative to the root: {@value}. */
  public static final String CUSTOM_DATA = "inputs/algoCustomData.json";

  /** The outputs directory, relative to the root: {@value}. */
  public static final String OUTPUTS = "outputs";

  /** The algorithm's logs directory, relative to the root: {@value}. */
  public static final String LOGS = "logs";

  /** The directories of the layout that are read-only for the algorithm, in creation order. */
  public static final List<String> READ_ONLY_DIRECTORIES = List.of(INPUTS, DDOS, TRANSFORMATIONS);

  /** The directories of the layout the algorithm writes, in creation order. */
  public static final List<String> WRITABLE_DIRECTORIES = List.of(OUTPUTS, LOGS);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SandboxContract CONTAINER =
      new SandboxContract(CONTAINER_ROOT, CONTAINER_TMP, CONTAINER_TMP);

  private final String root;
  private final String home;
  private final String tmpDir;

  private SandboxContract(String root, String home, String tmpDir) {
    this.root = root;
    this.home = home;
    this.tmpDir = tmpDir;
  }

  /** The contract in a container: root {@value #CONTAINER_ROOT}, {@code HOME=TMPDIR=/tmp}. */
  public static SandboxContract container() {
    return CONTAINER;
  }

  /**
   * The contract rooted at {@code root}, with {@code home} and {@code tmpDir} as {@code HOME} and
   * {@code TMPDIR}: absolute paths as the algorithm sees them, with {@code /} separators.
   *
   * @throws IllegalArgumentException if one is not absolute
   */
  public static SandboxContract of(String root, String home, String tmpDir) {
    return new SandboxContract(
        absolute(root, "root"), absolute(home, "home"), absolute(tmpDir, "tmpDir"));
  }

  private static String absolute(String path, String field) {
    requireNonNull(path, field);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          field + " must be an absolute path but was '" + path + "'");
    }
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** The root of the layout ({@code VOLUME}). */
  public String root() {
    return root;
  }

  /** {@code HOME}. */
  public String home() {
    return home;
  }

  /** {@code TMPDIR}. */
  public String tmpDir() {
    return tmpDir;
  }

  /** The absolute path of {@code relative} (one of this class's names) below the root. */
  public String path(String relative) {
    requireNonNull(relative, "relative");
    return relative.isEmpty() ? root : root + "/" + relative;
  }

  /** Where dataset {@code did}'s files go, relative to the root: {@code inputs/<did>}. */
  public static String inputDirectory(Did did) {
    return INPUTS + "/" + did.id();
  }

  /** Where file {@code n} of dataset {@code did} goes, relative to the root. */
  public static String inputFile(Did did, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be at least 0 but was " + n);
    }
    return inputDirectory(did) + "/" + n;
  }

  /** Where the DDO of {@code did} goes, relative to the root: {@code ddos/<did>}. */
  public static String ddo(Did did) {
    return DDOS + "/" + did.id();
  }

  /** {@code DIDS}: the job's input DIDs, without {@code did:op:}, as a JSON array. */
  public static String didsJson(JobSpec spec) {
    ArrayNode dids = JSON.createArrayNode();
    for (Did did : spec.inputDids()) {
      dids.add(did.id());
    }
    return dids.toString();
  }

  /**
   * The environment of {@code spec}'s algorithm, in order: its own variables, then the contract's
   * (which win). Unmodifiable.
   */
  public Map<String, String> environment(JobSpec spec) {
    Map<String, String> env = new LinkedHashMap<>(spec.algorithm().environment());
    env.put("DIDS", didsJson(spec));
    env.put("TRANSFORMATION_DID", spec.algorithm().did().map(Did::id).orElse(""));
    env.put("VOLUME", root);
    env.put("INPUTS", path(INPUTS));
    env.put("OUTPUTS", path(OUTPUTS));
    env.put("LOGS", path(LOGS));
    env.put("ALGO", path(ALGORITHM));
    env.put("HOME", home);
    env.put("TMPDIR", tmpDir);
    return Collections.unmodifiableMap(env);
  }

  @Override
  public String toString() {
    return "SandboxContract{root=" + root + ", home=" + home + ", tmpDir=" + tmpDir + '}';
  }
}
