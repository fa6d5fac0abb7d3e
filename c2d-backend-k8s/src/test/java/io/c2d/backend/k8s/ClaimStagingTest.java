package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.InputFetcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider's side of a pod without a staging step: each claim input's path checked where this
 * provider sees the claim (as the staging step checks it in the pod), and the job's small layout
 * written to the output claim, or nothing when the job needs its staging step after all.
 */
final class ClaimStagingTest {
  private static final Did DATA = Did.of("did:op:" + "c1".repeat(32));
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path work;
  private Path claim;
  private OutputClaim output;

  @BeforeEach
  void claims() throws IOException {
    claim = open(Files.createDirectories(work.resolve("claim")));
    output = new OutputClaim("results", open(Files.createDirectories(work.resolve("results"))));
  }

  @Test
  void aFileOrADirectoryThePodsMayReadIsAccepted() throws IOException {
    Files.writeString(claim.resolve("records.csv"), "a,b\n");
    Files.setPosixFilePermissions(
        claim.resolve("records.csv"), PosixFilePermissions.fromString("rw-r--r--"));
    open(Files.createDirectories(claim.resolve("set/parts")));

    assertThat(ClaimStaging.unreadable(input("records.csv"), claim)).isNull();
    assertThat(ClaimStaging.unreadable(input("set/parts"), claim)).isNull();
  }

  @Test
  void aPathThatIsMissingUnreadableOrLeadsOutIsRefusedNamingItAndTheClaim() throws IOException {
    Path secret = Files.writeString(claim.resolve("secret.csv"), "x\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path closed = Files.createDirectories(claim.resolve("closed"));
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwxr--r--"));
    Path outside = Files.writeString(work.resolve("outside.csv"), "host file\n");
    Files.createSymbolicLink(claim.resolve("escape.csv"), outside);
    Files.createSymbolicLink(claim.resolve("inside.csv"), claim.resolve("secret.csv"));
    new ProcessBuilder("mkfifo", claim.resolve("pipe").toString())
        .inheritIO()
        .start()
        .onExit()
        .join();

    Map<String, String> refusals =
        Map.of(
            "missing/records.csv", "no such file",
            "secret.csv", "may not read it",
            "closed", "may not read it",
            "escape.csv", "leads out of the claim",
            "inside.csv", "may not read it",
            "pipe", "neither a file nor a directory");
    refusals.forEach(
        (path, why) ->
            assertThat(ClaimStaging.unreadable(input(path), claim))
                .as(path)
                .startsWith(
                    "dataset "
                        + DATA
                        + " file 0: path "
                        + path
                        + " cannot be read in PersistentVolumeClaim data-claim")
                .contains(why));
  }

  @Test
  void theLayoutGoesToTheOutputClaimWithEachClaimInputsMountPoint() throws IOException {
    Files.writeString(claim.resolve("records.csv"), "a,b\n");
    open(Files.createDirectories(claim.resolve("set")));
    JobSpec spec =
        spec(
            List.of(
                FileLocator.pvc("data-claim", "records.csv"), FileLocator.pvc("data-claim", "set")),
            Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "echo hi").build());
    output.prepare(spec.jobId());
    List<String> log = new ArrayList<>();

    boolean staged = stage(spec, log);

    assertThat(staged).isTrue();
    Path layout = output.jobDirectory(spec.jobId());
    assertThat(Files.readString(layout.resolve("transformations/algorithm"))).isEqualTo("echo hi");
    assertThat(Files.readString(layout.resolve("ddos/" + DATA.id()))).contains(DATA.value());
    assertThat(Files.isRegularFile(layout.resolve("inputs/" + DATA.id() + "/0"), NOFOLLOW))
        .as("a file's mount point is a file")
        .isTrue();
    assertThat(Files.size(layout.resolve("inputs/" + DATA.id() + "/0"))).isZero();
    assertThat(Files.isDirectory(layout.resolve("inputs/" + DATA.id() + "/1"), NOFOLLOW))
        .as("a directory's mount point is a directory")
        .isTrue();
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(layout.resolve("ddos/" + DATA.id()))))
        .isEqualTo("r--r--r--");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(layout.resolve("transformations/algorithm"))))
        .isEqualTo("r-xr-xr-x");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(layout.resolve("inputs/" + DATA.id()))))
        .isEqualTo("rwxr-xr-x");
    try (var parts = Files.list(layout)) {
      assertThat(parts.map(p -> p.getFileName().toString()).toList())
          .as("the layout the pod mounts as /data, and nothing else")
          .containsExactlyInAnyOrder("inputs", "ddos", "transformations", "outputs", "logs");
    }
    assertThat(log).anyMatch(line -> line.contains("the pod has no staging step"));
    assertThat(Files.readString(claim.resolve("records.csv"))).isEqualTo("a,b\n");
  }

  @Test
  void aJobWithAFileToCopyOrAPathGoneSinceStagesNothingOnTheClaim() throws IOException {
    Path local = Files.writeString(work.resolve("local.csv"), "local\n");
    JobSpec withFile =
        spec(
            List.of(FileLocator.of(local.toUri())),
            Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "true").build());
    JobSpec pathGone =
        spec(
            List.of(FileLocator.pvc("data-claim", "gone.csv")),
            Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "true").build());

    for (JobSpec spec : List.of(withFile, pathGone)) {
      output.prepare(spec.jobId());
      assertThat(stage(spec, new ArrayList<>())).isFalse();
      try (var parts = Files.list(output.jobDirectory(spec.jobId()))) {
        assertThat(parts.map(p -> p.getFileName().toString()).toList())
            .as("nothing staged beside the algorithm's directories")
            .containsExactlyInAnyOrder("outputs", "logs");
      }
    }
  }

  @Test
  void onlyAnOutputClaimWithTheToolsAndInputClaimsAllSeenAllowIt() throws IOException {
    List<Manifests.ClaimInput> claims = List.of(input("records.csv"));
    Map<String, Path> seen = Map.of("data-claim", claim);

    assertThat(ClaimStaging.possible(null, claims, seen)).isFalse();
    assertThat(ClaimStaging.possible(output, claims, seen)).as("no tools yet").isFalse();
    Path tools = Files.createDirectories(output.localRoot().resolve(OutputClaim.TOOLS));
    Files.createSymbolicLink(tools.resolve(OutputClaim.BUSYBOX), Path.of("/bin/sh"));
    assertThat(ClaimStaging.possible(output, claims, seen)).as("a link is no tool").isFalse();
    Files.delete(tools.resolve(OutputClaim.BUSYBOX));
    Files.writeString(tools.resolve(OutputClaim.BUSYBOX), "binary");
    assertThat(ClaimStaging.possible(output, claims, seen)).isTrue();
    assertThat(ClaimStaging.possible(output, claims, Map.of("other-claim", claim))).isFalse();
  }

  @Test
  void toolsAHeldPodLeftBecomeTheProvidersOwnAndClosedToOthersBeforeAPodRunsThem()
      throws IOException {
    Path tools = Files.createDirectories(output.localRoot().resolve(OutputClaim.TOOLS));
    Path busybox = Files.writeString(tools.resolve(OutputClaim.BUSYBOX), "binary");
    UserPrincipal provider = Files.getOwner(busybox);
    Files.setPosixFilePermissions(tools, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(busybox, PosixFilePermissions.fromString("rw-rw-rw-"));
    try {
      // as the held pod's staging step left them, where this test may give files away (root)
      Files.setAttribute(busybox, "unix:uid", (int) Manifests.NOBODY);
      Files.setAttribute(tools, "unix:uid", (int) Manifests.NOBODY);
    } catch (IOException e) {
      // not root: the modes alone are as a non-root provider leaves them
    }

    assertThat(output.sealedTools()).isTrue();

    assertThat(Files.readString(busybox)).isEqualTo("binary");
    assertThat(Files.getOwner(busybox)).isEqualTo(provider);
    assertThat(Files.getOwner(tools)).isEqualTo(provider);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(busybox)))
        .isEqualTo("r-xr-xr-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tools)))
        .isEqualTo("rwxr-xr-x");
    try (var left = Files.list(tools)) {
      assertThat(left).containsExactly(busybox);
    }
    assertThat(output.sealedTools()).as("sealed once, then left as it is").isTrue();
  }

  private boolean stage(JobSpec spec, List<String> log) throws IOException {
    ResultArea area = new ResultArea(work.resolve("area"), output);
    PodStaging staging =
        new PodStaging(new FakePodExec(), InputFetcher.create(FetchSettings.defaults()));
    return ClaimStaging.stage(
        spec,
        area.directory(spec.jobId()),
        output,
        ClaimInputs.of(spec),
        Map.of("data-claim", claim),
        staging,
        log::add);
  }

  private static Manifests.ClaimInput input(String path) {
    return new Manifests.ClaimInput(
        "data-claim", path, "inputs/" + DATA.id() + "/0", "dataset " + DATA + " file 0");
  }

  private static JobSpec spec(List<FileLocator> files, Algorithm algorithm) {
    String requestId = "claim-staging-" + files.size() + "-" + files.get(0).kind();
    DatasetInput.Builder dataset =
        DatasetInput.builder(DATA, "compute").ddoJson("{\"id\":\"" + DATA.value() + "\"}");
    files.forEach(dataset::addLocator);
    EthAddress owner = KubernetesComputeBackendTest.OWNER;
    return JobSpec.builder(JobId.derive(owner, requestId), owner)
        .requestId(requestId)
        .datasets(List.of(dataset.build()))
        .algorithm(algorithm)
        .environmentId("k8s")
        .resources(Resources.of(1, 512, 1024, 0))
        .maxDuration(Duration.ofMinutes(5))
        .build();
  }

  private static Path open(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }
}
