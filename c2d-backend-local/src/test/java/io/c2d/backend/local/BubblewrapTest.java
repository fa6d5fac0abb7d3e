package io.c2d.backend.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Resources;
import io.c2d.testkit.junit.Requires;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shape of the sandbox's command line, where a job cannot show it. */
@Requires(WorkingBubblewrap.class)
final class BubblewrapTest {
  @TempDir Path temp;

  private static Bubblewrap sandbox(Path workRoot) {
    Bubblewrap.Probe probe = Bubblewrap.probe(null, 64, workRoot);
    assertThat(probe.problem()).isEmpty();
    Bubblewrap sandbox = probe.sandbox();
    assertThat(sandbox).isNotNull();
    return sandbox;
  }

  @Test
  void aWorkRootBelowABoundDirectoryIsCoveredWithAnEmptyTmpfs() {
    // /usr/share exists on every host bubblewrap runs on, and the sandbox binds /usr
    Path below = Path.of("/usr/share");
    assertThat(below).isDirectory();

    List<String> args = sandbox(below).command(null, Resources.NONE, List.of("/bin/true"));

    int tmpfs = args.indexOf("/usr/share");
    assertThat(tmpfs).isPositive();
    assertThat(args.get(tmpfs - 1)).isEqualTo("--tmpfs");
    assertThat(tmpfs).isGreaterThan(args.lastIndexOf("/usr"));
    assertThat(sandbox(temp).command(null, Resources.NONE, List.of("/bin/true")))
        .doesNotContain(temp.toString());
  }

  @Test
  void theLayoutIsBoundReadOnlyButItsOutputsAndLogsAndTheLimitsFollowTheJob() throws Exception {
    Path data = Files.createDirectories(temp.resolve("data"));

    List<String> args =
        sandbox(temp).command(data, Resources.of(1, 128, 2, 0), List.of("/bin/true"));

    String line = String.join(" ", args);
    assertThat(line)
        .contains(
            "--unshare-net",
            "--unshare-pid",
            "--die-with-parent",
            "--new-session",
            "--ro-bind " + data + " /data",
            "--bind " + data.resolve("outputs") + " /data/outputs",
            "--bind " + data.resolve("logs") + " /data/logs",
            "--remount-ro / --chdir / --",
            "--nproc=64",
            "--as=" + (128L << 20),
            "--fsize=" + (2L << 20),
            "-- /bin/true")
        .doesNotContain("--bind " + data.resolve("inputs"), "--share-net");
    assertThat(args.get(args.size() - 1)).isEqualTo("/bin/true");
  }

  @Test
  void overAnImageRootTheImagesEntriesReplaceTheHostsAndTheToolsRunFromTheHost() throws Exception {
    Path image = Files.createDirectories(temp.resolve("image"));
    for (String name : List.of("usr", "etc", "data", "tmp", "proc")) {
      Files.createDirectories(image.resolve(name));
    }
    Files.createSymbolicLink(image.resolve("bin"), Path.of("usr/bin"));
    Files.writeString(image.resolve("noshell"), "");
    Path data = Files.createDirectories(temp.resolve("data"));

    List<String> args =
        sandbox(temp).command(data, Resources.NONE, List.of("/noshell", "x"), image);

    String line = String.join(" ", args);
    assertThat(line)
        .contains(
            "--ro-bind " + image.resolve("usr") + " /usr",
            "--ro-bind " + image.resolve("etc") + " /etc",
            "--ro-bind " + image.resolve("noshell") + " /noshell",
            "--symlink usr/bin /bin",
            "--ro-bind /usr " + Bubblewrap.HOST_TOOLS,
            "--ro-bind " + data + " /data",
            "--remount-ro / --chdir / --",
            Bubblewrap.HOST_TOOLS + "/bin/prlimit",
            "-- /noshell x")
        .doesNotContain(
            "--ro-bind /usr /usr",
            "--ro-bind " + image.resolve("data"),
            "--ro-bind " + image.resolve("tmp"),
            "--ro-bind " + image.resolve("proc"));
    assertThat(Bubblewrap.hostLoader())
        .as("the host's loader, as the sandbox sees it")
        .hasSize(3)
        .allSatisfy(word -> assertThat(word).doesNotStartWith("/usr/"));
  }

  @Test
  void anImageRootMustBeADirectoryGivenOnce() {
    EmbeddedComputeBackend.Builder builder = EmbeddedComputeBackend.builder();
    Path missing = temp.resolve("missing");

    assertThatThrownBy(() -> builder.imageRoot("a/b:1", missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a directory");
    builder.imageRoot("a/b:1", temp);
    assertThatThrownBy(() -> builder.imageRoot("a/b:1", temp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already given a root");
  }
}
