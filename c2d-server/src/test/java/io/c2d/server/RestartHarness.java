package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kill -9 restart harness: runs {@link RestartChild} as a child JVM on one state directory,
 * kills it with SIGKILL ({@link Process#destroyForcibly}) while its submitters start jobs and its
 * jobs wait for capacity, stage, run, collect and publish, starts it again, and in the end lets a
 * last child finish every job. What the children printed is the history the checks read: which jobs
 * were acknowledged, every status each went through, where each kill found them, how each ended. A
 * {@link Sandboxes} counter watches the backend's own objects over the whole run.
 *
 * <p>The kills are aimed in turn ({@link Aim}): at a moment when some job of the life is staging,
 * queued for capacity, running or collecting, as the child last printed, and one in five at a
 * random moment. A kill whose phase did not come within the longest delay lands anyway (a miss,
 * reported).
 *
 * <p>Not thread-safe; one run per instance.
 */
final class RestartHarness {
  /** Counts the sandboxes the backend made, by job, over the run, and the ones left at the end. */
  interface Sandboxes extends AutoCloseable {
    /** Job id to the number of sandboxes in which its algorithm started. */
    Map<String, Integer> started();

    /** Objects of the run's jobs left behind (containers, volumes, pods, Jobs, records). */
    List<String> leftovers(Set<String> jobIds) throws Exception;

    @Override
    void close();
  }

  private final String kind;
  private final Path state;
  private final String instance;
  private final String runId;
  private final int kills;
  private final int jobsPerLife;
  private final int concurrency;
  private final long minDelayMs;
  private final long maxDelayMs;
  private final URI input;
  private final int slots;
  private final Random random;

  // the history
  private final Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
  private final Set<Integer> tried = ConcurrentHashMap.newKeySet();
  private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
  private final Map<String, List<String>> statuses = new ConcurrentHashMap<>();
  private final Map<String, String> ends = new ConcurrentHashMap<>();
  private final List<String> refusals = new ArrayList<>();
  private final Map<String, Integer> killsByPhase = new TreeMap<>();
  private final Map<String, Integer> aimsTaken = new TreeMap<>();
  private final Map<String, Integer> aimsTried = new TreeMap<>();
  private final StringBuilder report = new StringBuilder();

  RestartHarness(
      String kind,
      Path state,
      String instance,
      int kills,
      int jobsPerLife,
      int concurrency,
      long minDelayMs,
      long maxDelayMs,
      URI input,
      int slots,
      long seed) {
    this.input = input;
    this.slots = slots;
    this.kind = kind;
    this.state = state;
    this.instance = instance;
    this.runId = Long.toString(1 + Math.floorMod(seed, 999_999_999L));
    this.kills = kills;
    this.jobsPerLife = jobsPerLife;
    this.concurrency = concurrency;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.random = new Random(seed);
  }

  /**
   * Where a kill is aimed: at a moment when some job of the life is in one of {@code statuses} (the
   * last status the child printed for it), or, without statuses, after a random delay.
   */
  enum Aim {
    STAGING("CONFIGURING_VOLUMES"),
    QUEUED("QUEUED"),
    RUNNING("RUNNING_ALGORITHM"),
    COLLECTING("PUBLISHING_RESULTS"),
    RANDOM();

    @SuppressWarnings("ImmutableEnumChecker") // Set.of is immutable
    final Set<String> statuses;

    Aim(String... statuses) {
      this.statuses = Set.of(statuses);
    }
  }

  /** Runs the kills and the final life; returns the figures, asserted by {@link #check}. */
  Figures run(Sandboxes sandboxes) throws Exception {
    long startedAt = System.nanoTime();
    int next = 0;
    Aim[] aims = Aim.values();
    for (int k = 0; k < kills; k++) {
      Aim aim = aims[k % aims.length];
      Process child = start(next, jobsPerLife, "submit");
      Reader reader = read(child, "life-" + k);
      assertThat(reader.ready.await(3, TimeUnit.MINUTES)).as("life %d came up", k).isTrue();
      long lifeStarted = System.nanoTime();
      boolean hit = aim == Aim.RANDOM;
      if (aim == Aim.RANDOM) {
        Thread.sleep(minDelayMs + (long) (random.nextDouble() * (maxDelayMs - minDelayMs)));
      } else {
        // watch the life's jobs until one is in the phase aimed at; past maxDelayMs, kill anyway
        long deadline = lifeStarted + TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        hit = reader.anyIn(aim.statuses);
        while (!hit && System.nanoTime() < deadline) {
          Thread.sleep(5);
          hit = reader.anyIn(aim.statuses);
        }
        if (hit) {
          Thread.sleep(random.nextInt(100)); // somewhere inside the phase, not always its start
        }
      }
      Map<String, Integer> phases = reader.phasesNow();
      child.destroyForcibly();
      long delay = (System.nanoTime() - lifeStarted) / 1_000_000;
      assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
      reader.join();
      phases.forEach((phase, n) -> killsByPhase.merge(phase, n, Integer::sum));
      String aimed = aim.name().toLowerCase(java.util.Locale.ROOT);
      aimsTaken.merge(aimed, hit ? 1 : 0, Integer::sum);
      aimsTried.merge(aimed, 1, Integer::sum);
      report.append(
          String.format(
              "kill %2d aimed at %-10s %-6s after %5d ms: %s%n",
              k + 1, aimed, aim == Aim.RANDOM ? "" : hit ? "(hit)" : "(miss)", delay, phases));
      next = tried.stream().mapToInt(Integer::intValue).max().orElse(next - 1) + 1;
    }
    Process last = start(next, 0, "finish");
    Reader reader = read(last, "final");
    assertThat(last.waitFor(10, TimeUnit.MINUTES)).as("the final life ended").isTrue();
    reader.join();
    assertThat(reader.done).as("the final life finished every job (see %s)", reader.log).isTrue();
    Set<String> ids = Set.copyOf(statuses.keySet());
    // only this run's jobs: other users of the same engine or namespace are none of its business
    Map<String, Integer> started = new TreeMap<>(sandboxes.started());
    started.keySet().retainAll(ids);
    List<String> leftovers = sandboxes.leftovers(ids);
    leftovers.addAll(leftoverFiles());
    return new Figures(kills, started, leftovers, (System.nanoTime() - startedAt) / 1_000_000);
  }

  /** What the run measured. */
  final class Figures {
    final int killCount;
    final Map<String, Integer> sandboxesStarted;
    final List<String> leftovers;
    final long elapsedMs;

    Figures(int killCount, Map<String, Integer> started, List<String> leftovers, long elapsedMs) {
      this.killCount = killCount;
      this.sandboxesStarted = started;
      this.leftovers = leftovers;
      this.elapsedMs = elapsedMs;
    }

    int acknowledgedCount() {
      return acknowledged.size();
    }

    List<String> lost() {
      List<String> lost = new ArrayList<>();
      acknowledged.forEach(
          (n, id) -> {
            if (!ends.containsKey(id)) {
              lost.add(n + "=" + id);
            }
          });
      return lost;
    }

    List<String> failed() {
      List<String> failed = new ArrayList<>();
      ends.forEach(
          (id, end) -> {
            if (!end.startsWith("COMPLETED ") || !end.contains(" true")) {
              failed.add(id + " " + end + " via " + statuses.get(id));
            }
          });
      return failed;
    }

    List<String> duplicated() {
      List<String> duplicated = new ArrayList<>();
      sandboxesStarted.forEach(
          (id, n) -> {
            if (n > 1) {
              duplicated.add(id + " x" + n);
            }
          });
      return duplicated;
    }

    String summary() {
      return String.format(
          "restart harness on %s: %d kills (SIGKILL), %d jobs acknowledged (%d tried, %d"
              + " refused), %d ended, %d lost, %d failed or incomplete, %d with more than one"
              + " sandbox started, %d sandboxes started in all, %d leftovers, %d s; kills found"
              + " jobs at %s; kills aimed (found the phase/aimed) %s%n%s",
          kind,
          killCount,
          acknowledged.size(),
          tried.size(),
          refusals.size(),
          ends.size(),
          lost().size(),
          failed().size(),
          duplicated().size(),
          sandboxesStarted.values().stream().mapToInt(Integer::intValue).sum(),
          leftovers.size(),
          elapsedMs / 1000,
          killsByPhase,
          aims(),
          report);
    }

    private String aims() {
      StringBuilder aims = new StringBuilder("{");
      aimsTried.forEach(
          (aim, n) ->
              aims.append(aims.length() > 1 ? ", " : "")
                  .append(aim)
                  .append('=')
                  .append(aimsTaken.get(aim))
                  .append('/')
                  .append(n));
      return aims.append('}').toString();
    }
  }

  /** The harness's assertions: 0 lost, 0 failed by a restart, 0 duplicated sandboxes, 0 orphans. */
  static void check(Figures figures) {
    assertThat(figures.acknowledgedCount())
        .as("jobs acknowledged over the run (a run that started nothing proves nothing)")
        .isGreaterThanOrEqualTo(figures.killCount);
    assertThat(figures.lost()).as("acknowledged jobs lost").isEmpty();
    assertThat(figures.failed()).as("jobs that did not complete with their results").isEmpty();
    assertThat(figures.duplicated()).as("jobs whose algorithm started in two sandboxes").isEmpty();
    assertThat(figures.leftovers).as("orphans left behind").isEmpty();
  }

  private static boolean terminal(String status) {
    return !Set.of(
            "QUEUED",
            "WARMING_UP",
            "JOB_STARTED",
            "CONFIGURING_VOLUMES",
            "PROVISIONING_SUCCESS",
            "RUNNING_ALGORITHM",
            "FILTERING_RESULTS",
            "PUBLISHING_RESULTS")
        .contains(status);
  }

  private List<String> leftoverFiles() throws IOException {
    List<String> left = new ArrayList<>();
    Path results = state.resolve("results");
    if (Files.isDirectory(results)) {
      try (Stream<Path> entries = Files.list(results)) {
        entries.forEach(p -> left.add("file " + p));
      }
    }
    return left;
  }

  private Process start(int from, int count, String mode) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        List.of(
            java.toString(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dc2d.restart.namespace=" + instance,
            "-Dc2d.restart.input=" + input,
            "-Dc2d.restart.slots=" + slots,
            "-cp",
            System.getProperty("java.class.path"),
            RestartChild.class.getName(),
            kind,
            state.toString(),
            instance,
            runId,
            Integer.toString(from),
            Integer.toString(count),
            Integer.toString(concurrency),
            mode);
    return new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(state.resolve("children.err").toFile()))
        .start();
  }

  /** Reads one child's history. */
  private final class Reader extends Thread {
    final CountDownLatch ready = new CountDownLatch(1);
    final Map<String, String> thisLife = new ConcurrentHashMap<>();
    final Process child;
    final Path log;
    volatile boolean done;

    Reader(Process child, String name) {
      super("restart-harness-" + name);
      this.child = child;
      this.log = state.resolve(name + ".out");
    }

    @Override
    public void run() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        List<String> lines = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
          take(line);
        }
        Files.write(log, lines);
      } catch (IOException e) {
        // the child was killed while a line was read: what came before is kept
      }
    }

    /** Whether some job of this life is now in one of {@code statuses}. */
    boolean anyIn(Set<String> statuses) {
      return thisLife.values().stream().anyMatch(statuses::contains);
    }

    /** The statuses this life reported of its jobs under way: where a kill now finds them. */
    Map<String, Integer> phasesNow() {
      Map<String, Integer> phases = new TreeMap<>();
      thisLife.forEach(
          (id, status) -> {
            if (!terminal(status)) {
              phases.merge(status, 1, Integer::sum);
            }
          });
      return phases;
    }

    private void take(String line) {
      String[] f = line.split(" ", 5);
      switch (f[0]) {
        case "READY" -> ready.countDown();
        case "T" -> tried.add(Integer.parseInt(f[1]));
        case "A" -> acknowledged.put(Integer.parseInt(f[1]), f[2]);
        case "E" -> {
          synchronized (refusals) {
            refusals.add(line);
          }
        }
        case "S" -> {
          lastStatus.put(f[1], f[2]);
          thisLife.put(f[1], f[2]);
          statuses
              .computeIfAbsent(f[1], k -> java.util.Collections.synchronizedList(new ArrayList<>()))
              .add(f[2]);
        }
        case "F" -> ends.put(f[1], String.join(" ", List.of(f).subList(2, f.length)));
        case "DONE" -> done = true;
        default -> {}
      }
    }
  }

  private Reader read(Process child, String name) {
    Reader reader = new Reader(child, name);
    reader.setDaemon(true);
    reader.start();
    return reader;
  }
}
