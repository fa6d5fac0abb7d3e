package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.did;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.read;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.model.JobStatus;
import io.c2d.model.Sha256;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.testkit.LoopbackFileServer;
import io.c2d.testkit.junit.Requires;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote inputs on the real engine: the provider fetches a url from a real HTTP server on loopback
 * before the container starts, and the algorithm, whose container has no network, reads it at
 * {@code /data/inputs/<did>/0}.
 */
@Requires(DockerEngine.class)
final class DockerRemoteInputTest {
  @TempDir Path dir;
  private final LoopbackFileServer server = LoopbackFileServer.start();
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();
  private DockerComputeBackend backend;

  @BeforeEach
  void start() {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(1 << 20, 64 * 1024))
            .instance("remote-input-test")
            .pullMissingImages(false)
            .fetchSettings(
                FetchSettings.builder().retries(1).retryBackoff(Duration.ofMillis(10)).build())
            .build();
  }

  @AfterEach
  void stop() {
    backend.close();
    server.close();
  }

  private BackendJobState run(JobSpec spec) {
    TestJobs.join(backend.submit(spec, recorder));
    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(TestJobs.leftovers(spec.jobId())).as("containers and volumes left").isEmpty();
    return end;
  }

  @Test
  void theContainerReadsAnInputTheProviderFetched() {
    LoopbackFileServer.Body body = LoopbackFileServer.Body.generated(3_000_000, 5);
    server.serve("/data.bin", body).requireHeader("Authorization", "Bearer t");
    JobSpec spec =
        spec(
                "remote",
                raw("sha256sum /data/inputs/" + did(1).id() + "/0 > $OUTPUTS/sum\n"),
                DatasetInput.builder(did(1), "compute")
                    .addLocator(
                        FileLocator.urlBuilder(server.uri("/data.bin"))
                            .header("Authorization", "Bearer t")
                            .build()
                            .withSha256(Sha256.of(body.sha256())))
                    .build())
            .build();

    BackendJobState end = run(spec);

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "sum")).startsWith(body.sha256());
  }

  @Test
  void anInputThatCannotBeFetchedFailsBeforeAContainerExists() {
    server.serve("/gone", LoopbackFileServer.Body.of("")).status(404);
    JobSpec spec =
        spec(
                "gone",
                raw("echo never\n"),
                DatasetInput.builder(did(1), "compute").addFile(server.uri("/gone")).build())
            .build();

    BackendJobState end = run(spec);

    assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).contains(server.uri("/gone").toString(), "answered 404");
  }
}
