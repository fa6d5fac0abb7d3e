package io.c2d.backend.local;

import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.SandboxContract;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The embedded backend's sandbox: bubblewrap ({@code bwrap}, Debian's package {@code bubblewrap})
 * with util-linux's {@code setpriv} and {@code prlimit}. One instance describes how every job of a
 * backend runs; {@link #command} gives the argument list of one job.
 *
 * <p>The algorithm sees a fresh root (a tmpfs remounted read-only) holding: {@code /usr} and the
 * host's {@code /bin}, {@code /sbin}, {@code /lib*} (links into {@code /usr} on a merged-usr host)
 * read-only; of {@code /etc} only {@link #ETC}, read-only; a fresh {@code /dev} and {@code /proc}
 * of its own PID namespace; a private {@code /tmp} and {@code /dev/shm} (tmpfs of {@link
 * #TMP_BYTES} bytes each); and the job's layout at {@value SandboxContract#CONTAINER_ROOT} ({@code
 * inputs}, {@code ddos} and {@code transformations} read-only, {@code outputs} and {@code logs}
 * writable). Nothing else of the host exists in it: not the work root, not other jobs, not the
 * provider's state or the publisher's files; a work root below {@code /usr} or {@code /etc} is
 * covered with an empty tmpfs. It has its own network namespace (only its own loopback), IPC, UTS,
 * cgroup and PID namespaces, a new session, and dies with its parent. Its working directory is
 * {@code /}. Over an image's root ({@link #command(Path, Resources, List, Path)}) the host's {@code
 * /usr}, {@code /bin}, {@code /lib*} and {@code /etc} files give way to the image's own top-level
 * entries, read-only, and the host's {@code /usr} is at {@value #HOST_TOOLS} only for {@code
 * setpriv} and {@code prlimit}, which run through the host's dynamic loader.
 *
 * <p>When the provider runs as root the algorithm runs as {@value #SANDBOX_UID}:{@value
 * #SANDBOX_UID} with every capability, the bounding set and the inheritable set dropped and {@code
 * no_new_privs} ({@code setpriv}); otherwise in a user namespace as the provider's user, with every
 * capability dropped. Limits ({@code prlimit}, set inside the sandbox): processes ({@code
 * RLIMIT_NPROC}, the backend's pids limit), address space (the job's memory), file size (the job's
 * disk), 1024 open files, no core dumps. In a user namespace the process limit counts the sandbox's
 * own processes; as root it counts every process of user {@value #SANDBOX_UID} on the host (the
 * kernel counts per user), which other software may run as too.
 *
 * <p>Immutable and thread-safe.
 */
final class Bubblewrap {
  /** The user and group the algorithm runs as when the provider runs as root: {@value}. */
  static final int SANDBOX_UID = 65534;

  /** The size of the sandbox's {@code /tmp} and of its {@code /dev/shm}: {@value} bytes. */
  static final long TMP_BYTES = 64L << 20;

  /** util-linux's {@code prlimit}, which the sandbox runs from its read-only {@code /usr}. */
  static final String PRLIMIT = "/usr/bin/prlimit";

  /** util-linux's {@code setpriv}. */
  static final String SETPRIV = "/usr/bin/setpriv";

  /** What of the host's {@code /etc} the sandbox sees, read-only, where it exists. */
  static final List<String> ETC =
      List.of(
          "alternatives",
          "ld.so.cache",
          "ld.so.conf",
          "ld.so.conf.d",
          "localtime",
          "passwd",
          "group",
          "nsswitch.conf",
          "hosts",
          "host.conf",
          "os-release",
          "debian_version",
          "mime.types",
          "magic",
          "protocols",
          "services");

  /**
   * Where an image's sandbox sees the host's {@code /usr} (read-only), whose {@code setpriv} and
   * {@code prlimit} start the algorithm: {@value}.
   */
  static final String HOST_TOOLS = "/.c2d-host-usr";

  /** The top-level names of an image's root that the sandbox provides itself. */
  static final Set<String> PROVIDED = Set.of("data", "dev", "proc", "sys", "tmp", "run");

  /** The host's dynamic loaders, one per architecture. */
  private static final List<String> LOADERS =
      List.of("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1");

  /** {@code PATH} inside the sandbox. */
  static final String PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

  private static final List<String> TOP_LEVEL = List.of("bin", "sbin", "lib", "lib32", "lib64");
  private static final int PROBE_SECONDS = 15;
  private static final String PROBE_OK = "c2d-sandbox-ok";

  private final String executable;
  private final String version;
  private final boolean root;
  private final long pidsLimit;
  private final List<String> hidden;

  private Bubblewrap(
      String executable, String version, boolean root, long pidsLimit, List<String> hidden) {
    this.executable = executable;
    this.version = version;
    this.root = root;
    this.pidsLimit = pidsLimit;
    this.hidden = List.copyOf(hidden);
  }

  /**
   * Whether bubblewrap works here, by running a sandbox like a job's (without its layout).
   *
   * @param configured the {@code bwrap} executable, or null to look for it on {@code PATH}
   * @param workRoot the backend's work root, covered with a tmpfs should the sandbox see it
   */
  static Probe probe(@Nullable Path configured, long pidsLimit, Path workRoot) {
    if (!Files.isDirectory(Path.of("/proc/self"))) {
      return Probe.missing("this is not Linux (no /proc)");
    }
    Path found = configured != null ? configured : onPath("bwrap");
    if (found == null) {
      return Probe.missing(
          "bwrap was not found on PATH (install Debian's package bubblewrap, or set its path)");
    }
    if (!Files.isExecutable(found)) {
      return Probe.missing("bwrap " + found + " does not exist or is not executable");
    }
    for (String tool : List.of(PRLIMIT, SETPRIV)) {
      if (!Files.isExecutable(Path.of(tool))) {
        return Probe.missing(tool + " is missing (Debian's package util-linux has it)");
      }
    }
    boolean root;
    try {
      root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return Probe.missing("could not tell this process's user (" + e + ")");
    }
    List<String> hidden = new ArrayList<>();
    for (Path bound : boundPrefixes()) {
      if (workRoot.startsWith(bound)) {
        hidden.add(workRoot.toString());
        break;
      }
    }
    Run versionRun = run(List.of(found.toString(), "--version"));
    String version =
        versionRun.code == 0 ? versionRun.output.strip() : "bubblewrap (version unknown)";
    Bubblewrap candidate =
        new Bubblewrap(found.toString(), version, root, pidsLimit, List.copyOf(hidden));
    List<String> probe =
        candidate.command(
            null, Resources.of(1, 64, 1, 0), List.of("/bin/sh", "-c", "echo " + PROBE_OK));
    Run result = run(probe);
    if (result.code != 0 || !result.output.contains(PROBE_OK)) {
      String said = result.output.strip();
      int newline = said.indexOf('\n');
      return Probe.missing(
          "bubblewrap's self-test failed (exit "
              + result.code
              + (said.isEmpty() ? "" : ": " + (newline > 0 ? said.substring(0, newline) : said))
              + "); user namespaces may be disabled on this host");
    }
    return new Probe(candidate, "");
  }

  /** Every host directory the sandbox binds, as seen from the host. */
  private static List<Path> boundPrefixes() {
    List<Path> bound = new ArrayList<>();
    bound.add(Path.of("/usr"));
    for (String name : TOP_LEVEL) {
      Path path = Path.of("/", name);
      if (Files.isDirectory(path) && !Files.isSymbolicLink(path)) {
        bound.add(path);
      }
    }
    for (String name : ETC) {
      bound.add(Path.of("/etc", name));
    }
    return bound;
  }

  private static @Nullable Path onPath(String name) {
    String path = System.getenv("PATH");
    List<String> directories = new ArrayList<>();
    if (path != null) {
      directories.addAll(List.of(path.split(File.pathSeparator, -1)));
    }
    directories.addAll(List.of("/usr/bin", "/bin", "/usr/local/bin"));
    for (String directory : directories) {
      if (directory.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(directory, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** What {@code bwrap --version} said, such as {@code bubblewrap 0.8.0}. */
  String version() {
    return version;
  }

  /** Whether the provider runs as root (the algorithm then runs as {@value #SANDBOX_UID}). */
  boolean root() {
    return root;
  }

  /** The most processes a job may have. */
  long pidsLimit() {
    return pidsLimit;
  }

  /**
   * The command that runs {@code program} in the sandbox over the host's {@code /usr}, with {@code
   * data} (the job's layout on the host, or null for none) at {@code /data}, in the working
   * directory {@code /}. The environment is inherited from the caller.
   */
  List<String> command(@Nullable Path data, Resources limits, List<String> program) {
    return command(data, limits, program, null);
  }

  /**
   * The command that runs {@code program} in the sandbox, over {@code imageRoot} (a container
   * image's root file system, unpacked in a directory) when it is not null, else over the host's
   * {@code /usr}: each top-level entry of the image's root but {@link #PROVIDED} is bound
   * read-only, and the host's {@code /usr} at {@value #HOST_TOOLS}, from where {@code setpriv} and
   * {@code prlimit} run through the host's dynamic loader (the image need not have them, nor a
   * shell).
   */
  List<String> command(
      @Nullable Path data, Resources limits, List<String> program, @Nullable Path imageRoot) {
    List<String> args = new ArrayList<>();
    args.add(executable);
    args.addAll(
        List.of(
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "c2d-sandbox"));
    if (!root) {
      // as root setpriv drops the capabilities below, after it has used CAP_SETUID
      args.addAll(List.of("--unshare-user", "--cap-drop", "ALL"));
    }
    List<String> tools;
    if (imageRoot == null) {
      hostRoot(args);
      tools = List.of();
    } else {
      imageRoot(args, imageRoot);
      tools = hostLoader();
    }
    args.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    String tmpBytes = Long.toString(TMP_BYTES);
    args.addAll(List.of("--perms", "1777", "--size", tmpBytes, "--tmpfs", "/dev/shm"));
    args.addAll(List.of("--perms", "1777", "--size", tmpBytes, "--tmpfs", "/tmp"));
    String mount = SandboxContract.CONTAINER_ROOT;
    if (data == null) {
      args.addAll(List.of("--dir", mount));
    } else {
      args.addAll(List.of("--ro-bind", data.toString(), mount));
      for (String writable : SandboxContract.WRITABLE_DIRECTORIES) {
        args.addAll(List.of("--bind", data.resolve(writable).toString(), mount + "/" + writable));
      }
    }
    for (String path : hidden) {
      // a mount point cannot be made in the read-only /usr: a work root not there yet is not seen
      if (Files.isDirectory(Path.of(path))) {
        args.addAll(List.of("--tmpfs", imageRoot == null ? path : hostTool(path)));
      }
    }
    // the working directory is the image's: / (the images c2d builds and Ocean's declare no other)
    args.addAll(List.of("--remount-ro", "/", "--chdir", "/", "--"));
    if (root) {
      String id = Integer.toString(SANDBOX_UID);
      args.addAll(tools);
      args.addAll(
          List.of(
              imageRoot == null ? SETPRIV : hostTool(SETPRIV),
              "--reuid=" + id,
              "--regid=" + id,
              "--clear-groups",
              "--inh-caps=-all",
              "--bounding-set=-all",
              "--no-new-privs",
              "--"));
    } else {
      args.addAll(tools);
      args.addAll(List.of(imageRoot == null ? SETPRIV : hostTool(SETPRIV), "--no-new-privs", "--"));
    }
    args.addAll(tools);
    args.add(imageRoot == null ? PRLIMIT : hostTool(PRLIMIT));
    args.add("--nproc=" + pidsLimit);
    args.add("--nofile=1024");
    args.add("--core=0");
    if (limits.memoryBytes() > 0) {
      args.add("--as=" + limits.memoryBytes());
    }
    if (limits.diskBytes() > 0) {
      args.add("--fsize=" + limits.diskBytes());
    }
    args.add("--");
    args.addAll(program);
    return args;
  }

  /** The host's {@code /usr}, {@code /bin}, {@code /lib*} and a few files of {@code /etc}. */
  private static void hostRoot(List<String> args) {
    args.addAll(List.of("--ro-bind", "/usr", "/usr"));
    for (String name : TOP_LEVEL) {
      Path path = Path.of("/", name);
      if (Files.isSymbolicLink(path)) {
        try {
          args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), "/" + name));
        } catch (IOException e) {
          // unreadable link: the sandbox goes without it
        }
      } else if (Files.isDirectory(path)) {
        args.addAll(List.of("--ro-bind", path.toString(), "/" + name));
      }
    }
    args.addAll(List.of("--perms", "0755", "--dir", "/etc"));
    for (String name : ETC) {
      args.addAll(List.of("--ro-bind-try", "/etc/" + name, "/etc/" + name));
    }
  }

  /** Every top-level entry of an image's root but {@link #PROVIDED}, and the host's tools. */
  private static void imageRoot(List<String> args, Path imageRoot) {
    List<Path> entries;
    try (Stream<Path> list = Files.list(imageRoot)) {
      entries = list.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the image root " + imageRoot, e);
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (PROVIDED.contains(name)) {
        continue;
      }
      if (Files.isSymbolicLink(entry)) {
        try {
          args.addAll(List.of("--symlink", Files.readSymbolicLink(entry).toString(), "/" + name));
        } catch (IOException e) {
          // unreadable link: the sandbox goes without it
        }
      } else {
        args.addAll(List.of("--ro-bind", entry.toString(), "/" + name));
      }
    }
    args.addAll(List.of("--ro-bind", "/usr", HOST_TOOLS));
  }

  /**
   * The host's dynamic loader and library directory as seen in an image's sandbox, the prefix that
   * runs a host tool there; empty when the host's loader is not below {@code /usr} (an image root
   * then fails to start, and the job's log says why).
   */
  static List<String> hostLoader() {
    for (String candidate : LOADERS) {
      try {
        Path real = Path.of(candidate).toRealPath();
        Path directory = real.getParent();
        if (real.startsWith("/usr/") && directory != null) {
          String loader = hostTool(real.toString());
          String libraries = hostTool(directory.toString());
          return List.of(loader, "--library-path", libraries);
        }
      } catch (IOException e) {
        // not this architecture's loader
      }
    }
    return List.of();
  }

  /** Where the host's {@code /usr/...} {@code path} is in an image's sandbox. */
  private static String hostTool(String path) {
    return path.startsWith("/usr/") ? HOST_TOOLS + path.substring("/usr".length()) : path;
  }

  /** What the job's configuration log says about its sandbox. */
  List<String> describe(JobSpec spec, Resources limits) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "sandbox: "
            + version
            + ": the job's layout at /data (inputs, ddos and transformations read-only; outputs"
            + " and logs writable), a read-only root with only /usr, /bin, /lib and a few files"
            + " of /etc from the host, a private /tmp and /dev/shm (tmpfs of "
            + TMP_BYTES
            + " bytes each), its own PID, IPC, UTS and network namespaces (no network, only its"
            + " own loopback), HOME=TMPDIR=/tmp");
    lines.add(
        root
            ? "user "
                + SANDBOX_UID
                + ":"
                + SANDBOX_UID
                + ", no capabilities, no_new_privs (the provider runs as root)"
            : "the provider's user in a user namespace, no capabilities, no_new_privs");
    lines.add(
        String.format(
            Locale.ROOT,
            "limits: %d processes%s, address space %s, file size %s, 1024 open files, no core"
                + " dumps; CPU is not limited",
            pidsLimit,
            root ? " (of user " + SANDBOX_UID + " on this host)" : "",
            limits.memoryBytes() > 0 ? limits.memoryBytes() + " bytes" : "unlimited",
            limits.diskBytes() > 0 ? limits.diskBytes() + " bytes" : "unlimited"));
    if (spec.networkAccess()) {
      lines.add("network access was allowed, but the embedded sandbox has no network");
    }
    return lines;
  }

  @Override
  public String toString() {
    return "Bubblewrap{" + executable + ", " + version + (root ? ", as root" : "") + '}';
  }

  /** Runs {@code command} for the probe: its exit code and output, -1 if it could not run. */
  private static Run run(List<String> command) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Run(-1, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Run(-1, "no answer in " + PROBE_SECONDS + " s");
      }
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readNBytes(8192), StandardCharsets.UTF_8);
      }
      return new Run(process.exitValue(), output);
    } catch (IOException e) {
      return new Run(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return new Run(-1, "interrupted");
    }
  }

  private record Run(int code, String output) {}

  /**
   * The outcome of {@link #probe}: a working sandbox, or why there is none.
   *
   * @param sandbox the sandbox, or null if it does not work here
   * @param problem why not (empty when it works)
   */
  record Probe(@Nullable Bubblewrap sandbox, String problem) {
    static Probe missing(String problem) {
      return new Probe(null, problem);
    }
  }
}
