package io.c2d.server;

import io.c2d.ComputeEngine;
import io.c2d.backend.docker.DockerComputeBackend;
import io.c2d.backend.k8s.KubernetesComputeBackend;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.EthAddress;
import io.c2d.model.JobResult;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.TestRequests;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The provider the restart harness kills: a {@link ComputeEngine} over a real backend (Docker or
 * Kubernetes) and a state directory, with concurrent submitters in the same process. It prints one
 * line per event on its standard output, which the harness reads as the history of the run:
 *
 * <pre>
 * READY                      the engine recovered what an earlier process left
 * T n                        submitter about to start job n
 * A n jobId                  job n acknowledged (start() returned it)
 * E n message                job n refused
 * S jobId STATUS             a job's status changed (also for jobs recovered)
 * F jobId STATUS outputs ok detail   (finish mode) a job's end, its outputs, whether done.txt reads ok
 * DONE                       (finish mode) every job ended and was deleted
 * </pre>
 *
 * <p>Arguments: {@code docker|k8s stateDir instance runId from count concurrency submit|finish};
 * system properties {@code c2d.restart.input} (the input's URL, default a local file), {@code
 * c2d.restart.slots} (jobs the environment runs at once, default 64) and {@code
 * c2d.restart.namespace}.
 */
public final class RestartChild {
  static final long CHAIN_ID = 8996;
  static final EthAddress PROVIDER = EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  static final String ENVIRONMENT = "restart";
  static final String IMAGE = "c2d-test/busybox";
  static final String TAG = "1";

  /**
   * The algorithm: a moment of work, a few MiB of output (collection takes a moment too), and a
   * marker the harness reads back. Its input is a few MiB from the harness's throttled loopback
   * server ({@code c2d.restart.input}), so staging takes a moment as well.
   */
  static final String SCRIPT =
      "head -c 6000000 /dev/zero > \"$OUTPUTS/big.bin\"; sleep 1; cat \"$INPUTS\"/*/0 | wc -c"
          + " > \"$OUTPUTS/size.txt\"; echo ok > \"$OUTPUTS/done.txt\"";

  private static final Object PRINT = new Object();

  private RestartChild() {}

  /** Runs until killed (submit mode) or until every job ended and was deleted (finish mode). */
  public static void main(String[] args) throws Exception {
    String kind = args[0];
    Path state = Path.of(args[1]);
    String instance = args[2];
    String runId = args[3];
    int from = Integer.parseInt(args[4]);
    int count = Integer.parseInt(args[5]);
    int concurrency = Integer.parseInt(args[6]);
    boolean finish = "finish".equals(args[7]);
    // CHECKSTYLE.OFF: RegexpSinglelineJava - the harness reads this process's standard output
    PrintStream out = System.out;
    // CHECKSTYLE.ON: RegexpSinglelineJava

    URI input = inputOf(state);
    ComputeBackend backend = backend(kind, state, instance);
    ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(Web3jAuthenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(PROVIDER)
            .stateDirectory(state.resolve("engine"))
            // on the builder, so the jobs recovered and queued again are printed too
            .addListener(
                (job, previous) -> print(out, "S " + job.id().value() + " " + job.status().name()))
            .build();
    engine.ready().toCompletableFuture().get(5, TimeUnit.MINUTES);
    print(out, "READY");
    EthAddress owner = EthereumKey.ALICE.address();

    if (finish) {
      finish(engine, owner, out);
      engine.close();
      backend.close();
      System.exit(0);
    }

    TestRequests requests = TestRequests.create(CHAIN_ID, PROVIDER);
    ExecutorService submitters = Executors.newFixedThreadPool(concurrency);
    for (int t = 0; t < concurrency; t++) {
      int lane = t;
      submitters.execute(
          () -> {
            Random random = new Random(runId.hashCode() * 31L + from + lane);
            for (int n = from + lane; n < from + count; n += concurrency) {
              print(out, "T " + n);
              try {
                ComputeRequest request =
                    requests
                        .by(EthereumKey.ALICE)
                        .nonce(runId + String.format(java.util.Locale.ROOT, "%06d", n))
                        .dataset(1, input)
                        .algorithm(
                            Algorithm.raw(ContainerSpec.of(IMAGE, TAG, "sh $ALGO"), SCRIPT).build())
                        .environment(ENVIRONMENT)
                        .sign();
                ComputeJob job =
                    engine.start(request).toCompletableFuture().get(2, TimeUnit.MINUTES);
                print(out, "A " + n + " " + job.id().value());
              } catch (Exception e) {
                print(out, "E " + n + " " + oneLine(String.valueOf(e.getCause())));
              }
              try {
                Thread.sleep(100 + random.nextInt(900));
              } catch (InterruptedException e) {
                return;
              }
            }
          });
    }
    submitters.shutdown();
    // runs until the harness kills it; a run that submitted everything just keeps serving
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void finish(ComputeEngine engine, EthAddress owner, PrintStream out)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    List<ComputeJob> jobs = engine.jobsOf(owner);
    while (jobs.stream().anyMatch(j -> !j.isTerminal()) && System.nanoTime() < deadline) {
      Thread.sleep(500);
      jobs = engine.jobsOf(owner);
    }
    for (ComputeJob job : jobs) {
      long outputs = 0;
      boolean ok = false;
      if (job.isTerminal()) {
        for (JobResult result : engine.results(job.id(), owner)) {
          if (result.kind() == ResultKind.OUTPUT) {
            outputs++;
            if (result.name().equals("done.txt")) {
              try (InputStream in =
                  engine
                      .openResult(job.id(), owner, result.name())
                      .toCompletableFuture()
                      .get(1, TimeUnit.MINUTES)) {
                ok = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().equals("ok");
              }
            }
          }
        }
      }
      print(
          out,
          "F "
              + job.id().value()
              + " "
              + job.status().name()
              + " "
              + outputs
              + " "
              + ok
              + " "
              + oneLine(String.valueOf(job.detail().orElse(""))));
    }
    for (ComputeJob job : jobs) {
      engine.delete(job.id(), owner).toCompletableFuture().get(2, TimeUnit.MINUTES);
    }
    print(out, "DONE");
  }

  /** The harness's loopback URL if it gives one, else a local file of 4 MiB. */
  private static URI inputOf(Path state) throws java.io.IOException {
    String url = System.getProperty("c2d.restart.input");
    if (url != null) {
      return URI.create(url);
    }
    Path input = state.resolve("input.bin");
    if (!Files.exists(input)) {
      Files.write(input, new byte[4 << 20]);
    }
    return input.toUri();
  }

  private static ComputeBackend backend(String kind, Path state, String instance) {
    // few slots, so that more submitters than slots leave jobs queued for capacity
    int slots = Integer.getInteger("c2d.restart.slots", 64);
    ComputeEnvironment.Builder environment =
        ComputeEnvironment.builder(ENVIRONMENT)
            .capacity(Resources.of(64, 64 * 256, 64 * 256, 0))
            .maxPerJob(Resources.of(1, 256, 256, 0))
            .defaultPerJob(Resources.of(0.1, 128, 64, 0))
            .maxConcurrentJobs(slots)
            .maxJobsPerConsumer(64)
            .maxDuration(Duration.ofMinutes(3));
    if ("docker".equals(kind)) {
      return DockerComputeBackend.builder()
          .resultRoot(state.resolve("results"))
          .environment(environment.build())
          .instance(instance)
          .pullMissingImages(false)
          .build();
    }
    return KubernetesComputeBackend.builder()
        .namespace(System.getProperty("c2d.restart.namespace", "default"))
        .resultRoot(state.resolve("results"))
        .addEnvironment(environment.build())
        .helperImage(IMAGE + ":" + TAG)
        .imagePullTimeout(Duration.ofMinutes(2))
        // the team's test node does not enforce NetworkPolicy (the backend would refuse the jobs)
        .acceptUnenforcedNetworkPolicy(true)
        .build();
  }

  private static String oneLine(String text) {
    return text.replace('\n', ' ').replace('\r', ' ');
  }

  private static void print(PrintStream out, String line) {
    synchronized (PRINT) {
      out.println(line);
      out.flush();
    }
  }
}
