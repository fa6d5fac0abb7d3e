package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.c2d.model.Did;
import io.c2d.spi.backend.JobSpec;
import java.util.ArrayList;
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
 * <p><b>How the algorithm is started</b> ({@link #command}), the same on every backend and after
 * ocean-node's Docker engine: every {@value #ALGO_MACRO} in the entrypoint becomes the algorithm
 * file's absolute path ({@code /data/transformations/algorithm} in a container), the result is
 * split on white space into the program and its arguments, and the program is executed directly: no
 * shell reads the line (no quoting, no {@code $VARIABLE} expansion, no redirections), so an image
 * needs no {@code /bin/sh}. It runs in the image's own working directory (a backend never sets
 * one), so Ocean's examples that open {@code data/inputs/<did>/0} relative to an image whose
 * working directory is {@code /} find their inputs; the paths above are absolute and do not depend
 * on the user the algorithm runs as. An entrypoint that wants a shell says so itself: when its
 * second word is {@code -c} (as in {@code sh -c 'cmd1; cmd2'} or {@code python3 -c ...}), the rest
 * of the line after {@code -c} is passed verbatim as one argument, the script, which that program
 * then reads. ocean-node differs in three details that only ever broke entrypoints: it replaces the
 * first {@value #ALGO_MACRO} only, with the relative path {@code data/transformations/algorithm}
 * (found only from the working directory {@code /}), and it splits on each single space (two spaces
 * give an empty argument, and {@code sh -c} gets only the script's first word).
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

  /** The word of an entrypoint that {@link #command} replaces by the algorithm's path: {@value}. */
  public static final String ALGO_MACRO = "$ALGO";

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

  /**
   * The program and arguments that start an algorithm with {@code entrypoint}, by the rule in this
   * class's documentation: {@value #ALGO_MACRO} replaced by {@code path(ALGORITHM)}, split on white
   * space, and for a second word {@code -c} the rest of the line as one argument. A backend
   * executes the list directly (first element the program, looked up on the algorithm's {@code
   * PATH} when it has no {@code /}) in the image's own working directory. Unmodifiable.
   *
   * @throws IllegalArgumentException if the entrypoint has no word (the model refuses such a {@link
   *     io.c2d.model.ContainerSpec} before it gets here)
   */
  public List<String> command(String entrypoint) {
    requireNonNull(entrypoint, "entrypoint");
    String line = entrypoint.replace(ALGO_MACRO, path(ALGORITHM));
    List<String> words = new ArrayList<>();
    int at = skipSpace(line, 0);
    while (at < line.length()) {
      if (words.size() == 2 && words.get(1).equals("-c")) {
        // the script of "sh -c ...": verbatim, its own quoting and newlines intact
        words.add(line.substring(at).stripTrailing());
        break;
      }
      int end = at;
      while (end < line.length() && !isSpace(line.charAt(end))) {
        end++;
      }
      words.add(line.substring(at, end));
      at = skipSpace(line, end);
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("the entrypoint has no program: '" + entrypoint + "'");
    }
    return List.copyOf(words);
  }

  private static int skipSpace(String line, int from) {
    int at = from;
    while (at < line.length() && isSpace(line.charAt(at))) {
      at++;
    }
    return at;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  }

  @Override
  public String toString() {
    return "SandboxContract{root=" + root + ", home=" + home + ", tmpDir=" + tmpDir + '}';
  }
}
