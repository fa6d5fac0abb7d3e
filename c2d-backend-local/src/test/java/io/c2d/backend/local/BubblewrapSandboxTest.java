package io.c2d.backend.local;

import static io.c2d.backend.local.EmbeddedJobs.OWNER;
import static io.c2d.backend.local.EmbeddedJobs.WAIT;
import static io.c2d.backend.local.EmbeddedJobs.dataset;
import static io.c2d.backend.local.EmbeddedJobs.did;
import static io.c2d.backend.local.EmbeddedJobs.file;
import static io.c2d.backend.local.EmbeddedJobs.join;
import static io.c2d.backend.local.EmbeddedJobs.raw;
import static io.c2d.backend.local.EmbeddedJobs.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.RecordingListener;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded backend in bubblewrap, with real processes: the algorithm finds its layout at the
 * real {@code /data} paths and nothing else of the host, cannot reach the network or write outside
 * its outputs, sees only its own processes, and hits its limits.
 */
@Requires(WorkingBubblewrap.class)
final class BubblewrapSandboxTest {
  @TempDir Path temp;

  private final RecordingListener listener = new RecordingListener();
  private final List<EmbeddedComputeBackend> backends = new ArrayList<>();

  private EmbeddedComputeBackend backend(long pidsLimit) {
    EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .environment(EmbeddedJobs.environment(4 << 20, 1 << 20))
            .sandbox(SandboxMode.REQUIRE)
            .pidsLimit(pidsLimit)
            .build();
    backends.add(backend);
    assertThat(backend.sandboxed()).isTrue();
    return backend;
  }

  private EmbeddedComputeBackend backend() {
    return backend(EmbeddedComputeBackend.DEFAULT_PIDS_LIMIT);
  }

  @AfterEach
  void close() {
    backends.forEach(EmbeddedComputeBackend::close);
  }

  private static JobSpec spec(String name, String script, Resources resources, Duration max) {
    return JobSpec.builder(JobId.derive(OWNER, name), OWNER)
        .requestId(name)
        .datasets(List.of(dataset(1)))
        .algorithm(raw(script))
        .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
        .resources(resources)
        .maxDuration(max)
        .build();
  }

  private static JobSpec spec(String name, String script) {
    return spec(name, script, Resources.NONE, Duration.ofMinutes(1));
  }

  private BackendJobState run(EmbeddedComputeBackend on, JobSpec spec) {
    join(on.submit(spec, listener));
    return listener.awaitTerminal(spec.jobId(), WAIT);
  }

  @Test
  void theAlgorithmReadsDataInputsAndWritesDataOutputsAtTheRealPaths() throws Exception {
    Path publisher = Files.createDirectories(temp.resolve("publisher"));
    Path csv = file(publisher, "numbers.csv", "n\n1\n2\n3\n");
    String id = did(1).id();
    // as Ocean's sample algorithms do: fixed paths, no variables
    Algorithm algorithm =
        Algorithm.raw(
                ContainerSpec.of("python", "3", "/bin/sh /data/transformations/algorithm"),
                String.join(
                    "\n",
                    "wc -l < /data/inputs/" + id + "/0 > /data/outputs/x",
                    "cat /data/inputs/algoCustomData.json > /data/outputs/custom.json",
                    "{ echo \"pwd=$(pwd)\"; echo \"VOLUME=$VOLUME\"; echo \"INPUTS=$INPUTS\";"
                        + " echo \"OUTPUTS=$OUTPUTS\"; echo \"ALGO=$ALGO\"; echo \"HOME=$HOME\";"
                        + " echo \"TMPDIR=$TMPDIR\"; echo \"DIDS=$DIDS\"; } > /data/outputs/env.txt",
                    "echo scratch > /tmp/t && cat /tmp/t > /data/outputs/tmp.txt",
                    "echo mine > /data/logs/own.log",
                    ""))
            .customData("{\"k\":1}")
            .build();
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, "paths"), OWNER)
            .requestId("paths")
            .datasets(List.of(dataset(1, csv.toUri())))
            .algorithm(algorithm)
            .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
            .build();
    EmbeddedComputeBackend embedded = backend();

    BackendJobState done = run(embedded, spec);

    assertThat(done.status())
        .as(read(embedded, done, "algorithm.log"))
        .isEqualTo(JobStatus.COMPLETED);
    assertThat(read(embedded, done, "x")).isEqualTo("4\n");
    assertThat(read(embedded, done, "custom.json")).isEqualTo("{\"k\":1}");
    assertThat(read(embedded, done, "tmp.txt")).isEqualTo("scratch\n");
    assertThat(read(embedded, done, "env.txt"))
        .isEqualTo(
            String.join(
                "\n",
                "pwd=/",
                "VOLUME=/data",
                "INPUTS=/data/inputs",
                "OUTPUTS=/data/outputs",
                "ALGO=/data/transformations/algorithm",
                "HOME=/tmp",
                "TMPDIR=/tmp",
                "DIDS=[\"" + id + "\"]",
                ""));
    assertThat(read(embedded, done, "configuration.log"))
        .contains(
            "sandbox: bubblewrap",
            "no network",
            "limits: " + EmbeddedComputeBackend.DEFAULT_PIDS_LIMIT + " processes",
            "started the algorithm in bubblewrap")
        .doesNotContain("NOT a sandbox");
    Path job = embedded.workRoot().resolve(spec.jobId().value());
    assertThat(job.resolve("data/logs/own.log")).hasContent("mine");
    assertThat(job.resolve("exitcode")).hasContent("0");
    if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) {
      // the sandbox's user never walks the host's path to the job, so nobody else may
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(job)))
          .isEqualTo("rwx------");
    }
  }

  @Test
  void theAlgorithmCannotReachAServerOnTheHostsLoopbackEvenWithNetworkAccessAllowed()
      throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = server.getLocalPort();
      JobSpec asked =
          spec(
              "network",
              String.join(
                  "\n",
                  "if bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "' 2> /data/outputs/err.txt",
                  "then echo connected > /data/outputs/net.txt",
                  "else echo refused > /data/outputs/net.txt",
                  "fi",
                  // its own loopback works: a listener inside is reachable from inside
                  "cat /proc/net/dev | awk -F: 'NR > 2 { gsub(/ /, \"\", $1); print $1 }'"
                      + " > /data/outputs/interfaces.txt",
                  ""));
      JobSpec spec =
          JobSpec.builder(asked.jobId(), OWNER)
              .requestId("network")
              .datasets(asked.datasets())
              .algorithm(asked.algorithm())
              .environmentId(asked.environmentId())
              .networkAccess(true)
              .build();
      EmbeddedComputeBackend embedded = backend();

      BackendJobState done = run(embedded, spec);

      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(embedded, done, "net.txt")).isEqualTo("refused\n");
      assertThat(read(embedded, done, "err.txt")).contains("Connection refused");
      assertThat(read(embedded, done, "interfaces.txt")).isEqualTo("lo\n");
      assertThat(read(embedded, done, "configuration.log"))
          .contains("network access was allowed, but the embedded sandbox has no network");
      server.setSoTimeout(200);
      try {
        server.accept().close();
        throw new AssertionError("the sandbox reached the host's loopback server");
      } catch (SocketTimeoutException expected) {
        // nothing connected
      }
    }
  }

  @Test
  void theAlgorithmCannotWriteTheRootTheSystemOrItsInputsAndHasNoPrivileges() throws Exception {
    Path csv = file(Files.createDirectories(temp.resolve("publisher")), "in.csv", "original\n");
    String input = "/data/inputs/" + did(1).id() + "/0";
    StringBuilder script = new StringBuilder();
    for (String target :
        List.of(
            "/x",
            "/usr/x",
            "/etc/x",
            "/data/x",
            input,
            "/data/transformations/algorithm",
            "/data/inputs/new",
            "/tmp/ok",
            "/data/outputs/ok")) {
      script
          .append("if echo w 2>/dev/null > ")
          .append(target)
          .append("; then echo '")
          .append(target)
          .append(" writable'; else echo '")
          .append(target)
          .append(" denied'; fi >> /data/outputs/writes.txt\n");
    }
    script.append("rm -f ").append(input).append(" 2>/dev/null; cat ").append(input);
    script.append(" > /data/outputs/input.txt\n");
    script.append("echo \"uid=$(id -u)\" > /data/outputs/who.txt\n");
    script.append("grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status > /data/outputs/caps.txt\n");
    script.append("grep NoNewPrivs /proc/self/status >> /data/outputs/caps.txt\n");
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, "writes"), OWNER)
            .requestId("writes")
            .datasets(List.of(dataset(1, csv.toUri())))
            .algorithm(raw(script.toString()))
            .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
            .build();
    EmbeddedComputeBackend embedded = backend();

    BackendJobState done = run(embedded, spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(embedded, done, "writes.txt"))
        .isEqualTo(
            String.join(
                "\n",
                "/x denied",
                "/usr/x denied",
                "/etc/x denied",
                "/data/x denied",
                input + " denied",
                "/data/transformations/algorithm denied",
                "/data/inputs/new denied",
                "/tmp/ok writable",
                "/data/outputs/ok writable",
                ""));
    assertThat(read(embedded, done, "input.txt")).isEqualTo("original\n");
    assertThat(csv).hasContent("original");
    assertThat(read(embedded, done, "who.txt")).isNotEqualTo("uid=0\n").startsWith("uid=");
    assertThat(read(embedded, done, "caps.txt"))
        .isEqualTo(
            """
        CapPrm:\t0000000000000000
        CapEff:\t0000000000000000
        CapBnd:\t0000000000000000
        CapAmb:\t0000000000000000
        NoNewPrivs:\t1
        """);
  }

  @Test
  void theAlgorithmSeesNothingOfTheProviderOrOtherJobsAndOnlyItsOwnProcesses() throws Exception {
    Path state = Files.createDirectories(temp.resolve("provider-state"));
    Files.writeString(state.resolve("nonces"), "secret");
    Path publisher = Files.createDirectories(temp.resolve("publisher"));
    Path shared = file(publisher, "shared.csv", "given\n");
    Path other = file(publisher, "not-given.csv", "private\n");
    EmbeddedComputeBackend embedded = backend();
    JobSpec neighbour = spec("neighbour", "sleep 327\n");
    join(embedded.submit(neighbour, listener));
    listener.awaitStatus(neighbour.jobId(), JobStatus.RUNNING_ALGORITHM, WAIT);
    Path root = embedded.workRoot();
    String script =
        String.join(
            "\n",
            "ls -A / > /data/outputs/root.txt",
            "for p in "
                + root
                + " "
                + root.resolve(neighbour.jobId().value())
                + " "
                + state
                + " "
                + other
                + " "
                + shared
                + " /etc/shadow /root /home /var /opt /work /run"
                + " /sys; do",
            "  if [ -e \"$p\" ]; then echo \"$p seen\"; else echo \"$p absent\"; fi",
            "done > /data/outputs/seen.txt",
            "ls /proc | grep -E '^[0-9]+$' | sort -n > /data/outputs/pids.txt",
            "tr '\\0' ' ' < /proc/1/cmdline > /data/outputs/init.txt",
            "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' > /data/outputs/cmdlines.txt",
            "");
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, "nosy"), OWNER)
            .requestId("nosy")
            .datasets(List.of(dataset(1, shared.toUri())))
            .algorithm(raw(script))
            .environmentId(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
            .build();

    BackendJobState done = run(embedded, spec);
    join(embedded.stop(neighbour.jobId()));

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(embedded, done, "root.txt").lines())
        .isSubsetOf(
            "bin", "data", "dev", "etc", "lib", "lib32", "lib64", "proc", "sbin", "tmp", "usr")
        .contains("data", "usr", "tmp", "proc");
    assertThat(read(embedded, done, "seen.txt").lines()).allMatch(line -> line.endsWith(" absent"));
    List<String> pids = read(embedded, done, "pids.txt").lines().toList();
    assertThat(pids).as("the processes it sees").hasSizeLessThanOrEqualTo(8).contains("1");
    assertThat(read(embedded, done, "init.txt")).contains("bwrap ", "--unshare-pid");
    assertThat(read(embedded, done, "cmdlines.txt"))
        .as("the entrypoint sh $ALGO started as its own words, with no shell reading it")
        .contains("sh /data/transformations/algorithm")
        .doesNotContain("sh $ALGO", "sh -c", "sleep 327", "java");
  }

  @Test
  void aProcessFloodHitsTheProcessLimitAndLeavesNothingBehind() throws Exception {
    EmbeddedComputeBackend embedded = backend(40);
    JobSpec spec =
        spec(
            "flood",
            """
            n=0
            while [ $n -lt 200 ]; do
              sleep 337 &
              n=$((n+1))
              echo $n > /data/outputs/started
            done
            """);

    BackendJobState done = run(embedded, spec);

    assertThat(done.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    int started = Integer.parseInt(read(embedded, done, "started").trim());
    assertThat(started).isBetween(1, 39);
    assertThat(read(embedded, done, "algorithm.log")).containsIgnoringCase("fork");
    assertThat(running("337")).as("sandbox processes left running").isEmpty();
  }

  @Test
  void aForkBombStaysUnderTheProcessLimitAndItsNamespaceIsGoneAfterwards() throws Exception {
    EmbeddedComputeBackend embedded = backend(40);
    JobSpec spec =
        spec(
            "bomb",
            """
            echo started > /data/outputs/started
            b() { b | b & }
            b
            sleep 3
            """,
            Resources.NONE,
            Duration.ofSeconds(4));
    join(embedded.submit(spec, listener));
    Path job = embedded.workRoot().resolve(spec.jobId().value());
    awaitFile(job.resolve("data/outputs/started"));
    long wrapper =
        Long.parseLong(Files.readString(job.resolve("pid")).trim().replaceAll(" .*", ""));
    Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
    Path namespace = null;
    for (ProcessHandle p : ProcessHandle.of(wrapper).orElseThrow().descendants().toList()) {
      Path ns = pidNamespace(p.pid());
      if (ns != null && !ns.equals(own)) {
        namespace = ns;
        break;
      }
    }
    assertThat(namespace).as("the sandbox's PID namespace").isNotNull();
    int most = 0;
    for (int i = 0; i < 20; i++) {
      most = Math.max(most, inNamespace(namespace).size());
      Thread.sleep(50);
    }

    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);

    // the bomb dies out or the shell with it; either way the job ends, by itself or timed out
    assertThat(done.status())
        .isIn(JobStatus.COMPLETED, JobStatus.ALGORITHM_FAILED, JobStatus.TIMED_OUT);
    // the limit, plus bwrap's init (root's, when the provider is root) and a process being reaped
    assertThat(most)
        .as("processes in the sandbox at most")
        .isGreaterThan(2)
        .isLessThanOrEqualTo(42);
    for (int i = 0; i < 50 && !inNamespace(namespace).isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertThat(inNamespace(namespace)).as("processes left in the sandbox's namespace").isEmpty();
  }

  private static @org.jspecify.annotations.Nullable Path pidNamespace(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid"));
    } catch (IOException e) {
      return null;
    }
  }

  /** Live host pids whose PID namespace is {@code namespace}. */
  private static List<Long> inNamespace(Path namespace) {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        String name = entry.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)) {
          long pid = Long.parseLong(name);
          if (namespace.equals(pidNamespace(pid)) && !ProcessLiveness.isGoneOrZombie(pid)) {
            found.add(pid);
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return found;
  }

  @Test
  void aRunawayWriterHitsTheFileSizeLimitAndAGreedyOneTheMemoryLimit() {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec =
        spec(
            "runaway",
            """
            head -c 5000000 /dev/zero > /data/outputs/big
            echo "write=$?" > /data/outputs/rc.txt
            wc -c < /data/outputs/big >> /data/outputs/rc.txt
            awk 'BEGIN { s = "x"; while (1) s = s s }' 2> /data/outputs/awk.txt
            echo "memory=$?" >> /data/outputs/rc.txt
            """,
            Resources.of(1, 128, 1, 0),
            Duration.ofMinutes(1));

    BackendJobState done = run(embedded, spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    List<String> rc = read(embedded, done, "rc.txt").lines().toList();
    assertThat(rc.get(0)).isEqualTo("write=153"); // 128 + SIGXFSZ
    assertThat(rc.get(1).trim()).isEqualTo(Long.toString(1L << 20));
    assertThat(rc.get(2)).startsWith("memory=").isNotEqualTo("memory=0");
    assertThat(read(embedded, done, "configuration.log"))
        .contains("address space " + (128L << 20) + " bytes", "file size " + (1L << 20) + " bytes");
  }

  @Test
  void stopKillsTheWholeTreeOfAForkingAlgorithm() throws Exception {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec =
        spec(
            "forking",
            """
            sleep 347 &
            sh -c 'sleep 347 & sleep 347; wait' &
            ( trap '' TERM HUP; sleep 347 ) &
            echo ready > /data/outputs/ready
            wait
            """);
    join(embedded.submit(spec, listener));
    Path ready = embedded.workRoot().resolve(spec.jobId().value()).resolve("data/outputs/ready");
    awaitFile(ready);
    awaitCount("347", 4);
    long wrapper =
        Long.parseLong(
            Files.readString(embedded.workRoot().resolve(spec.jobId().value()).resolve("pid"))
                .trim()
                .replaceAll(" .*", ""));
    List<ProcessHandle> tree = ProcessHandle.of(wrapper).orElseThrow().descendants().toList();
    assertThat(tree).hasSizeGreaterThanOrEqualTo(6);

    join(embedded.stop(spec.jobId()));

    assertThat(listener.awaitTerminal(spec.jobId(), WAIT).status()).isEqualTo(JobStatus.STOPPED);
    // SIGKILL is delivered at once but a process takes a moment to go
    for (int i = 0;
        i < 50 && !tree.stream().allMatch(p -> ProcessLiveness.isGoneOrZombie(p.pid()));
        i++) {
      Thread.sleep(100);
    }
    assertThat(tree).allMatch(p -> ProcessLiveness.isGoneOrZombie(p.pid()));
    assertThat(running("347")).as("sandbox processes left running").isEmpty();
  }

  @Test
  void aTimedOutForkingAlgorithmLeavesNothingRunning() throws Exception {
    EmbeddedComputeBackend embedded = backend();
    JobSpec spec =
        spec(
            "slow",
            "sleep 357 &\nsh -c 'sleep 357' &\nwait\n",
            Resources.NONE,
            Duration.ofSeconds(1));

    BackendJobState done = run(embedded, spec);

    assertThat(done.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(running("357")).as("sandbox processes left running").isEmpty();
  }

  /** Host processes running {@code sleep <marker>}, after giving killed ones a moment to go. */
  private static List<Long> running(String marker) throws InterruptedException {
    List<Long> found = List.of();
    for (int i = 0; i < 50; i++) {
      found = sleeping(marker);
      if (found.isEmpty()) {
        return found;
      }
      Thread.sleep(100);
    }
    return found;
  }

  private static void awaitCount(String marker, int count) throws InterruptedException {
    for (int i = 0; i < 100 && sleeping(marker).size() < count; i++) {
      Thread.sleep(50);
    }
    assertThat(sleeping(marker)).hasSizeGreaterThanOrEqualTo(count);
  }

  private static void awaitFile(Path file) throws InterruptedException {
    for (int i = 0; i < 200 && !Files.exists(file); i++) {
      Thread.sleep(50);
    }
    assertThat(file).exists();
  }

  private static List<Long> sleeping(String marker) {
    byte[] wanted = ("sleep\0" + marker + "\0").getBytes(StandardCharsets.US_ASCII);
    List<Long> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        String name = entry.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          byte[] cmdline = Files.readAllBytes(entry.resolve("cmdline"));
          long pid = Long.parseLong(name);
          if (Arrays.equals(cmdline, wanted) && !ProcessLiveness.isGoneOrZombie(pid)) {
            found.add(pid);
          }
        } catch (IOException e) {
          // ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return found;
  }
}
