package io.c2d.backend.local;

import static io.c2d.backend.local.EmbeddedJobs.WAIT;
import static io.c2d.backend.local.EmbeddedJobs.did;
import static io.c2d.backend.local.EmbeddedJobs.names;
import static io.c2d.backend.local.EmbeddedJobs.raw;
import static io.c2d.backend.local.EmbeddedJobs.read;
import static io.c2d.backend.local.EmbeddedJobs.result;
import static io.c2d.backend.local.EmbeddedJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.model.JobStatus;
import io.c2d.model.Sha256;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.testkit.LoopbackFileServer;
import io.c2d.testkit.RecordingListener;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote inputs end to end on the embedded backend: the provider fetches a url and an IPFS cid from
 * a real HTTP server on loopback, and the algorithm reads them at {@code $INPUTS/<did>/<n>} like
 * local files; a fetch that fails ends the job before the algorithm runs.
 */
final class EmbeddedRemoteInputTest {
  private static final String CID = "QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco";

  @TempDir Path temp;

  private final LoopbackFileServer server = LoopbackFileServer.start();
  private final RecordingListener listener = new RecordingListener();
  private EmbeddedComputeBackend backend;

  @AfterEach
  void close() {
    if (backend != null) {
      backend.close();
    }
    server.close();
  }

  private EmbeddedComputeBackend backend() {
    backend =
        EmbeddedComputeBackend.builder()
            .workRoot(temp.resolve("jobs"))
            .fetchSettings(
                FetchSettings.builder()
                    .ipfsGateway(server.uri("/"))
                    .retries(2)
                    .retryBackoff(Duration.ofMillis(10))
                    .build())
            .build();
    return backend;
  }

  private BackendJobState run(JobSpec spec) {
    backend().submit(spec, listener).toCompletableFuture().join();
    return listener.awaitTerminal(spec.jobId(), WAIT);
  }

  @Test
  void theAlgorithmReadsFetchedInputsLikeLocalFiles() {
    LoopbackFileServer.Body csv = LoopbackFileServer.Body.of("x,y\n1,2\n");
    server
        .serve("/data.csv", csv)
        .requireHeader("Authorization", "Bearer secret-token")
        .failFirst(1, 503);
    server.serve("/ipfs/" + CID, LoopbackFileServer.Body.of("from ipfs\n"));
    DatasetInput dataset =
        DatasetInput.builder(did(1), "compute")
            .addLocator(
                FileLocator.urlBuilder(server.uri("/data.csv?sig=hunter2"))
                    .header("Authorization", "Bearer secret-token")
                    .build()
                    .withExpectedSize(csv.size())
                    .withSha256(Sha256.of(csv.sha256())))
            .addLocator(FileLocator.ipfs(CID))
            .build();
    String inputs = "\"$INPUTS/" + did(1).id();
    JobSpec spec =
        spec(
            "remote",
            raw("cat " + inputs + "/0\" " + inputs + "/1\" > \"$OUTPUTS/copy.txt\"\n"),
            dataset);

    BackendJobState done = run(spec);

    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, spec.jobId(), result(done, "copy.txt")))
        .isEqualTo("x,y\n1,2\nfrom ipfs\n");
    assertThat(read(backend, spec.jobId(), result(done, "configuration.log")))
        .contains(
            "fetched dataset "
                + did(1)
                + " file 0 (8 bytes, sha256 "
                + csv.sha256()
                + ", 2 attempts)",
            server.uri("/data.csv") + "?...",
            "ipfs://" + CID)
        .doesNotContain("hunter2", "secret-token");
  }

  @Test
  void aFailedFetchEndsTheJobBeforeTheAlgorithmAndLeavesNothingBehind() {
    server.serve("/first.csv", LoopbackFileServer.Body.of("fetched fine"));
    server.serve("/gone.csv", LoopbackFileServer.Body.of("")).status(404);
    JobSpec spec =
        spec(
            "gone",
            raw("echo ran > \"$OUTPUTS/ran.txt\"\n"),
            DatasetInput.builder(did(1), "compute")
                .addFile(server.uri("/first.csv"))
                .addFile(server.uri("/gone.csv"))
                .build());

    BackendJobState done = run(spec);

    assertThat(done.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(done.detail())
        .contains("dataset " + did(1) + " file 1 (" + server.uri("/gone.csv") + ")", "404");
    assertThat(names(done)).doesNotContain("ran.txt");
    assertThat(backend.workRoot().resolve(spec.jobId().value()).resolve(ContractStaging.FETCHED))
        .doesNotExist();
  }
}
