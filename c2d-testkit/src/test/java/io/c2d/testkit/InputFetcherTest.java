package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.c2d.model.FileLocator;
import io.c2d.model.JobStatus;
import io.c2d.model.Sha256;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.InputFetcher;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The support layer's {@link InputFetcher} against a real HTTP server on loopback: every bad input
 * is a {@code DATA_PROVISIONING_FAILED} naming the input without credentials, and leaves nothing in
 * the directory it fetched into.
 */
final class InputFetcherTest {
  private static final String CID = "QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco";
  private static final String TX = "0N2VzWbW-HcwJlfwwfxmGhk2mYYo6YD_IUgx1yv5Q7M";

  @TempDir Path dir;
  private final LoopbackFileServer server = LoopbackFileServer.start();

  @AfterEach
  void stop() {
    server.close();
  }

  private FetchSettings.Builder fast() {
    return FetchSettings.builder()
        .retries(3)
        .retryBackoff(Duration.ofMillis(10))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(2))
        .totalTimeout(Duration.ofSeconds(20));
  }

  private InputFetcher.Fetched fetch(FetchSettings settings, FileLocator locator)
      throws StageFailure {
    return InputFetcher.create(settings).fetch(locator, dir.resolve("in/0"), "dataset x file 0");
  }

  private StageFailure refused(FetchSettings settings, FileLocator locator) throws IOException {
    StageFailure failure = catchThrowableOfType(StageFailure.class, () -> fetch(settings, locator));
    assertThat(failure).as("the fetch of %s should fail", locator).isNotNull();
    assertThat(failure.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(failure.getMessage()).startsWith("dataset x file 0 (");
    assertThat(leftOver()).as("files left behind").isEmpty();
    return failure;
  }

  private List<Path> leftOver() throws IOException {
    if (!Files.exists(dir.resolve("in"))) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir.resolve("in"))) {
      return files.toList();
    }
  }

  @Test
  void aUrlIsFetchedWithItsMethodAndHeaders() throws Exception {
    LoopbackFileServer.Body body = LoopbackFileServer.Body.generated(300_000, 7);
    LoopbackFileServer.Route route =
        server
            .serve("/a.bin", body)
            .requireMethod("POST")
            .requireHeader("Authorization", "Bearer secret-token");
    FileLocator locator =
        FileLocator.urlBuilder(server.uri("/a.bin"))
            .method("POST")
            .header("Authorization", "Bearer secret-token")
            .build()
            .withExpectedSize(300_000)
            .withSha256(Sha256.of(body.sha256()));

    InputFetcher.Fetched fetched = fetch(fast().build(), locator);

    assertThat(fetched.bytes()).isEqualTo(300_000);
    assertThat(fetched.sha256().hex()).isEqualTo(body.sha256());
    assertThat(fetched.file()).hasSize(300_000);
    assertThat(Files.readAllBytes(fetched.file())).isEqualTo(body.open().readAllBytes());
    assertThat(route.requests()).isEqualTo(1);
    assertThat(leftOver()).containsExactly(dir.resolve("in/0"));
  }

  @Test
  void withoutTheRequiredHeaderTheServersRefusalIsNamedButNotTheHeader() throws Exception {
    server.serve("/a.bin", LoopbackFileServer.Body.of("x")).requireHeader("Authorization", "t");

    StageFailure failure =
        refused(
            fast().build(),
            FileLocator.urlBuilder(server.uri("/a.bin?token=hunter2"))
                .header("Authorization", "wrong-secret")
                .build());

    assertThat(failure.getMessage())
        .contains(server.uri("/a.bin").toString() + "?...", "answered 401")
        .doesNotContain("hunter2", "wrong-secret");
  }

  @Test
  void ipfsAndArweaveComeThroughTheirGateways() throws Exception {
    server.serve("/ipfs/" + CID, LoopbackFileServer.Body.of("from ipfs"));
    server.serve("/arweave/" + TX, LoopbackFileServer.Body.of("from arweave"));
    FetchSettings settings =
        fast().ipfsGateway(server.uri("/")).arweaveGateway(server.uri("/arweave")).build();

    assertThat(fetch(settings, FileLocator.ipfs(CID)).file()).hasContent("from ipfs");
    assertThat(fetch(settings, FileLocator.arweave(TX)).file()).hasContent("from arweave");
  }

  @Test
  void withoutAGatewayIpfsFailsNamingTheProperty() throws Exception {
    assertThat(refused(fast().build(), FileLocator.ipfs(CID)).getMessage())
        .contains("ipfs://" + CID, "c2d.fetch.ipfs-gateway");
  }

  @Test
  void transientFailuresAreRetriedThenSucceed() throws Exception {
    LoopbackFileServer.Route route =
        server.serve("/a", LoopbackFileServer.Body.of("payload")).failFirst(2, 503);

    InputFetcher.Fetched fetched = fetch(fast().build(), FileLocator.url(server.uri("/a")));

    assertThat(fetched.file()).hasContent("payload");
    assertThat(fetched.attempts()).isEqualTo(3);
    assertThat(route.requests()).isEqualTo(3);
  }

  @Test
  void tooManyTransientFailuresFailTheFetch() throws Exception {
    LoopbackFileServer.Route route =
        server.serve("/a", LoopbackFileServer.Body.of("payload")).failFirst(10, 429);

    assertThat(refused(fast().retries(2).build(), FileLocator.url(server.uri("/a"))).getMessage())
        .contains("answered 429", "after 3 attempts");
    assertThat(route.requests()).isEqualTo(3);
  }

  @Test
  void aTruncatedBodyIsResumedWithRange() throws Exception {
    LoopbackFileServer.Body body = LoopbackFileServer.Body.generated(1_000_000, 3);
    LoopbackFileServer.Route route = server.serve("/big", body).cutFirst(1, 400_000);

    InputFetcher.Fetched fetched =
        fetch(
            fast().build(),
            FileLocator.url(server.uri("/big")).withSha256(Sha256.of(body.sha256())));

    assertThat(fetched.bytes()).isEqualTo(1_000_000);
    assertThat(fetched.sha256().hex()).isEqualTo(body.sha256());
    assertThat(route.requests()).isEqualTo(2);
    assertThat(route.lastRange())
        .hasValueSatisfying(range -> assertThat(range).startsWith("bytes="));
    assertThat(route.bytesSent()).isLessThan(1_000_000 + 400_000);
  }

  @Test
  void aTruncatedBodyWithoutRangesStartsOver() throws Exception {
    LoopbackFileServer.Body body = LoopbackFileServer.Body.generated(500_000, 4);
    LoopbackFileServer.Route route = server.serve("/big", body).cutFirst(1, 100_000).ranges(false);

    InputFetcher.Fetched fetched = fetch(fast().build(), FileLocator.url(server.uri("/big")));

    assertThat(fetched.sha256().hex()).isEqualTo(body.sha256());
    assertThat(route.lastRange()).isEmpty();
  }

  @Test
  void aBodyCutEveryTimeFails() throws Exception {
    server
        .serve("/big", LoopbackFileServer.Body.generated(500_000, 4))
        .cutFirst(100, 1000)
        .ranges(false);

    assertThat(refused(fast().retries(1).build(), FileLocator.url(server.uri("/big"))).getMessage())
        .contains("the connection failed after");
  }

  @Test
  void anUnreachableUrlFails() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }

    assertThat(
            refused(
                    fast().retries(1).build(),
                    FileLocator.url(URI.create("http://127.0.0.1:" + closed + "/x")))
                .getMessage())
        .contains("could not connect to 127.0.0.1:" + closed);
  }

  @Test
  void aNotFoundFailsAtOnce() throws Exception {
    LoopbackFileServer.Route route =
        server.serve("/gone", LoopbackFileServer.Body.of("")).status(404);

    assertThat(refused(fast().build(), FileLocator.url(server.uri("/gone"))).getMessage())
        .contains("answered 404");
    assertThat(route.requests()).isEqualTo(1);
    assertThat(refused(fast().build(), FileLocator.url(server.uri("/never-served"))).getMessage())
        .contains("answered 404");
  }

  @Test
  void aRedirectToAnotherHostIsRefusedUnlessAllowed() throws Exception {
    server.serve("/moved", LoopbackFileServer.Body.of("")).redirectTo(server.localhostUri("/b"));
    LoopbackFileServer.Route target = server.serve("/b", LoopbackFileServer.Body.of("moved here"));
    FileLocator locator =
        FileLocator.urlBuilder(server.uri("/moved")).header("Authorization", "secret").build();

    assertThat(refused(fast().build(), locator).getMessage())
        .contains("redirected to another host (localhost:" + server.port() + ")");
    assertThat(target.requests()).isZero();

    InputFetcher.Fetched fetched = fetch(fast().crossHostRedirects(true).build(), locator);
    assertThat(fetched.file()).hasContent("moved here");
    assertThat(target.lastRequestHeaders()).doesNotContainKey("authorization");
  }

  @Test
  void aRedirectWithinTheHostIsFollowedWithTheHeaders() throws Exception {
    server.serve("/moved", LoopbackFileServer.Body.of("")).redirectTo(server.uri("/b"));
    server.serve("/b", LoopbackFileServer.Body.of("here")).requireHeader("Authorization", "t");

    InputFetcher.Fetched fetched =
        fetch(
            fast().build(),
            FileLocator.urlBuilder(server.uri("/moved")).header("Authorization", "t").build());

    assertThat(fetched.file()).hasContent("here");
  }

  @Test
  void aBodyLongerThanDeclaredFails() throws Exception {
    server.serve("/a", LoopbackFileServer.Body.generated(10_000, 1));
    server.serve("/chunked", LoopbackFileServer.Body.generated(10_000, 1)).chunked(true);

    assertThat(
            refused(fast().build(), FileLocator.url(server.uri("/a")).withExpectedSize(9_999))
                .getMessage())
        .contains("longer than its declared size of 9999 bytes");
    assertThat(
            refused(fast().build(), FileLocator.url(server.uri("/chunked")).withExpectedSize(9_999))
                .getMessage())
        .contains("longer than its declared size of 9999 bytes");
    assertThat(
            refused(fast().build(), FileLocator.url(server.uri("/a")).withExpectedSize(10_001))
                .getMessage())
        .contains("is 10000 bytes, not the declared 10001 bytes");
  }

  @Test
  void aBodyOverTheSizeLimitFailsWhileStreaming() throws Exception {
    LoopbackFileServer.Route route =
        server.serve("/big", LoopbackFileServer.Body.generated(50_000_000, 1)).chunked(true);

    assertThat(
            refused(fast().maxBytes(1_000_000).build(), FileLocator.url(server.uri("/big")))
                .getMessage())
        .contains("larger than this provider's limit of 1000000 bytes");
    assertThat(route.requests()).isEqualTo(1);
    assertThat(route.bytesSent()).isLessThan(50_000_000);
  }

  @Test
  void aChecksumMismatchFails() throws Exception {
    server.serve("/a", LoopbackFileServer.Body.of("not what was published"));

    assertThat(
            refused(
                    fast().build(),
                    FileLocator.url(server.uri("/a")).withSha256(Sha256.of("00".repeat(32))))
                .getMessage())
        .contains("does not match its declared SHA-256");
  }

  @Test
  void aServerSlowToAnswerTimesOut() throws Exception {
    server
        .serve("/slow-headers", LoopbackFileServer.Body.of("x"))
        .delayHeaders(Duration.ofSeconds(5));
    FetchSettings settings =
        fast()
            .retries(0)
            .readTimeout(Duration.ofMillis(500))
            .totalTimeout(Duration.ofSeconds(3))
            .build();

    assertThat(refused(settings, FileLocator.url(server.uri("/slow-headers"))).getMessage())
        .containsAnyOf("did not answer within PT0.5S", "sent nothing for PT0.5S");
  }

  @Test
  void aBodyThatTricklesHitsTheTotalTimeLimit() throws Exception {
    // 1 MB at 100 kB/s needs 10 s: it keeps sending, so only the total time limit stops it.
    server.serve("/slow-body", LoopbackFileServer.Body.generated(1_000_000, 1)).throttle(100_000);
    FetchSettings settings =
        fast()
            .retries(0)
            .readTimeout(Duration.ofSeconds(2))
            .totalTimeout(Duration.ofSeconds(4))
            .build();

    long started = System.nanoTime();
    assertThat(refused(settings, FileLocator.url(server.uri("/slow-body"))).getMessage())
        .contains("took longer than PT4S");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(9));
  }

  @Test
  void aSchemeTheProviderDoesNotFetchFails() throws Exception {
    server.serve("/a", LoopbackFileServer.Body.of("x"));

    assertThat(
            refused(
                    fast().schemes(java.util.Set.of("https")).build(),
                    FileLocator.url(server.uri("/a")))
                .getMessage())
        .contains("uses http:");
  }

  @Test
  void dataUrlsAreWrittenWithoutARequest() throws Exception {
    assertThat(fetch(fast().build(), FileLocator.of(URI.create("data:,hello%20world"))).file())
        .hasContent("hello world");
    assertThat(fetch(fast().build(), FileLocator.of(URI.create("data:;base64,aGk="))).file())
        .hasContent("hi");
  }

  @Test
  void gatewayIdsCannotClimb() {
    for (String climbing : List.of("..", "../x", "a/../../b", "%2e%2e", "%2F", "a/b")) {
      assertThat(
              catchThrowableOfType(
                  io.c2d.InvalidRequestException.class, () -> FileLocator.ipfs(climbing)))
          .as(climbing)
          .isNotNull();
      assertThat(
              catchThrowableOfType(
                  io.c2d.InvalidRequestException.class, () -> FileLocator.arweave(climbing)))
          .as(climbing)
          .isNotNull();
    }
  }

  @Test
  void settingsComeFromProperties() {
    FetchSettings settings =
        FetchSettings.fromConfig(
            ProviderConfig.of(
                Map.of(
                    "c2d.fetch.ipfs-gateway", "http://127.0.0.1:8080",
                    "c2d.fetch.max-bytes", "1024",
                    "c2d.fetch.retries", "0",
                    "c2d.fetch.read-timeout", "5s",
                    "c2d.fetch.cross-host-redirects", "true",
                    "c2d.fetch.schemes", "https, http")));

    assertThat(settings.ipfsGateway()).contains(URI.create("http://127.0.0.1:8080"));
    assertThat(settings.maxBytes()).isEqualTo(1024);
    assertThat(settings.retries()).isZero();
    assertThat(settings.readTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.crossHostRedirects()).isTrue();
    assertThat(settings.schemes()).containsExactlyInAnyOrder("https", "http");
    assertThat(
            catchThrowableOfType(
                io.c2d.ConfigurationException.class,
                () ->
                    FetchSettings.fromConfig(
                        ProviderConfig.of(Map.of("c2d.fetch.ipfs-gateway", "ftp://x")))))
        .isNotNull();
  }
}
