package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each option of a DDO's compute policy, enforced before admission. */
final class PolicyCheckTest {
  private static final String DATASET = "did:op:" + "aa".repeat(32);
  private static final String ALGO = "did:op:" + "bb".repeat(32);
  private static final String PUBLISHER = "0x" + "cd".repeat(20);
  private static final String IMAGE_DIGEST = "sha256:" + "ef".repeat(32);
  private static final ContainerSpec CONTAINER =
      new ContainerSpec("python", "3.12", IMAGE_DIGEST, "python $ALGO");

  @TempDir Path dir;

  private final PolicyCheck check = new PolicyCheck(ComputePolicy.CLOSED);

  @Test
  void rawAlgorithmsNeedAllowRawAlgorithm() {
    assertThat(check.check(request(compute("\"allowRawAlgorithm\": true"), rawAlgorithm(), false)))
        .isFalse();
    expect(
        () -> check.check(request(compute("\"allowRawAlgorithm\": false"), rawAlgorithm(), false)),
        ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
    expect(
        () -> check.check(request(compute(""), rawAlgorithm(), false)),
        ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void networkAccessNeedsAllowNetworkAccess() {
    String open = "\"allowRawAlgorithm\": true, \"allowNetworkAccess\": true";
    assertThat(check.check(request(compute(open), rawAlgorithm(), true))).isTrue();
    expect(
        () -> check.check(request(compute("\"allowRawAlgorithm\": true"), rawAlgorithm(), true)),
        ErrorCode.NETWORK_ACCESS_NOT_ALLOWED);
  }

  @Test
  void publishedAlgorithmsAreDeniedWhenNothingIsTrusted() throws IOException {
    expect(
        () -> check.check(request(compute(""), publishedAlgorithm(), false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void aTrustedDidWithMatchingChecksumsIsAllowed() throws IOException {
    Algorithm algorithm = publishedAlgorithm();
    String files = sha256(Files.readAllBytes(dir.resolve("algo.py")));
    String container = sha256(("python $ALGO" + IMAGE_DIGEST).getBytes(StandardCharsets.UTF_8));
    String trusted = trusted(ALGO, files, container);

    assertThat(check.check(request(compute(trusted), algorithm, false))).isFalse();
  }

  @Test
  void checksumsAreComputedAsOceanDoes() throws IOException {
    Path a = Files.writeString(dir.resolve("a"), "first");
    Path b = Files.writeString(dir.resolve("b"), "second");

    assertThat(PolicyCheck.filesChecksum(List.of(a.toUri(), b.toUri())))
        .isEqualTo(
            sha256("first".getBytes(StandardCharsets.UTF_8))
                + sha256("second".getBytes(StandardCharsets.UTF_8)));
    assertThat(PolicyCheck.containerSectionChecksum("node $ALGO", "sha256:00"))
        .isEqualTo(sha256("node $ALGOsha256:00".getBytes(StandardCharsets.UTF_8)));
    assertThat(PolicyCheck.filesChecksum(List.of(URI.create("https://127.0.0.1/x")))).isNull();
  }

  @Test
  void aChangedAlgorithmFileIsNoLongerTrusted() throws IOException {
    Algorithm algorithm = publishedAlgorithm();
    String container = sha256(("python $ALGO" + IMAGE_DIGEST).getBytes(StandardCharsets.UTF_8));
    String trusted = trusted(ALGO, "00".repeat(32), container);

    expect(
        () -> check.check(request(compute(trusted), algorithm, false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void aChangedContainerIsNoLongerTrusted() throws IOException {
    Algorithm algorithm = publishedAlgorithm();
    String files = sha256(Files.readAllBytes(dir.resolve("algo.py")));
    String trusted = trusted(ALGO, files, "11".repeat(32));

    expect(
        () -> check.check(request(compute(trusted), algorithm, false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void anotherDidIsNotTrusted() throws IOException {
    String trusted = trusted("did:op:" + "cc".repeat(32), "*", "*");

    expect(
        () -> check.check(request(compute(trusted), publishedAlgorithm(), false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void wildcardsTrustEveryAlgorithm() throws IOException {
    assertThat(check.check(request(compute(trusted("*", "*", "*")), publishedAlgorithm(), false)))
        .isFalse();
  }

  @Test
  void trustedPublishersAreMatchedOnTheAlgorithmsNftOwner() throws IOException {
    String byPublisher =
        "\"publisherTrustedAlgorithmPublishers\": [\""
            + PUBLISHER.toUpperCase(java.util.Locale.ROOT).replace("0X", "0x")
            + "\"]";
    assertThat(check.check(request(compute(byPublisher), publishedAlgorithm(), false))).isFalse();

    String otherPublisher =
        "\"publisherTrustedAlgorithmPublishers\": [\"0x" + "99".repeat(20) + "\"]";
    expect(
        () -> check.check(request(compute(otherPublisher), publishedAlgorithm(), false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void aV5DdoIsReadFromItsCredentialSubject() throws IOException {
    String datasetV5 =
        "{\"id\": \""
            + DATASET
            + "\", \"version\": \"5.0.0\", \"credentialSubject\": "
            + compute("\"publisherTrustedAlgorithmPublishers\": [\"" + PUBLISHER + "\"]")
            + "}";
    String algorithmV5 =
        "{\"id\": \"" + ALGO + "\", \"credentialSubject\": " + algorithmDdo() + "}";
    Algorithm algorithm =
        Algorithm.published(Did.of(ALGO), "compute", CONTAINER)
            .ddoJson(algorithmV5)
            .addFile(algorithmFile())
            .build();

    assertThat(check.check(request(datasetV5, algorithm, false))).isFalse();
    expect(
        () -> check.check(request(datasetV5, rawAlgorithm(), false)),
        ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void aTrustedDidCannotSmuggleInAnotherImage() throws IOException {
    Algorithm swapped =
        Algorithm.published(
                Did.of(ALGO),
                "compute",
                new ContainerSpec("evil", "1", IMAGE_DIGEST, "python $ALGO"))
            .ddoJson(algorithmDdo())
            .addFile(algorithmFile())
            .build();

    expect(
        () -> check.check(request(compute(trusted("*", "*", "*")), swapped, false)),
        ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void everyDatasetsPolicyApplies() throws IOException {
    ComputeRequest request =
        base(rawAlgorithm(), false)
            .addDataset(dataset(DATASET, compute("\"allowRawAlgorithm\": true")))
            .addDataset(dataset("did:op:" + "dd".repeat(32), compute("")))
            .build();

    expect(() -> check.check(request), ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void aDdoWithoutTheOrderedServiceIsAnInvalidRequest() {
    String ddo = "{\"services\": [{\"id\": \"access\", \"type\": \"access\"}]}";
    ComputeRequest request =
        base(rawAlgorithm(), false)
            .addDataset(
                DatasetInput.builder(Did.of(DATASET), "access").orderTx(tx()).ddoJson(ddo).build())
            .build();

    assertThatThrownBy(() -> check.check(request))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("datasets[0].ddo"));
  }

  private static String compute(String options) {
    return "{\"id\": \""
        + DATASET
        + "\", \"services\": [{\"id\": \"compute\", \"type\": \"compute\","
        + " \"compute\": {"
        + options
        + "}}]}";
  }

  private static String trusted(String did, String files, String container) {
    return "\"publisherTrustedAlgorithms\": [{\"did\": \""
        + did
        + "\", \"filesChecksum\": \""
        + files
        + "\", \"containerSectionChecksum\": \""
        + container
        + "\"}]";
  }

  private static ComputeRequest request(String ddo, Algorithm algorithm, boolean network) {
    return base(algorithm, network).addDataset(dataset(DATASET, ddo)).build();
  }

  private static DatasetInput dataset(String did, String ddo) {
    return DatasetInput.builder(Did.of(did), "compute").orderTx(tx()).ddoJson(ddo).build();
  }

  private static ComputeRequest.Builder base(Algorithm algorithm, boolean network) {
    return ComputeRequest.builder()
        .consumer("0x" + "12".repeat(20))
        .algorithm(algorithm)
        .networkAccess(network)
        .environment("local")
        .nonce("1")
        .expiresAt(Instant.ofEpochSecond(2_000_000_000L))
        .signature("0x" + "1b".repeat(65));
  }

  private static String tx() {
    return "0x" + "34".repeat(32);
  }

  private static Algorithm rawAlgorithm() {
    return Algorithm.raw(CONTAINER, "print(1)").build();
  }

  private Algorithm publishedAlgorithm() throws IOException {
    return Algorithm.published(Did.of(ALGO), "compute", CONTAINER)
        .ddoJson(algorithmDdo())
        .addFile(algorithmFile())
        .build();
  }

  private URI algorithmFile() throws IOException {
    return Files.writeString(dir.resolve("algo.py"), "print('hello')\n").toUri();
  }

  private static String algorithmDdo() {
    return "{\"id\": \""
        + ALGO
        + "\", \"nft\": {\"owner\": \""
        + PUBLISHER
        + "\"},"
        + " \"metadata\": {\"type\": \"algorithm\", \"algorithm\": {\"container\": {"
        + "\"image\": \"python\", \"tag\": \"3.12\", \"entrypoint\": \"python $ALGO\","
        + " \"checksum\": \""
        + IMAGE_DIGEST
        + "\"}}}}";
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void expect(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            PolicyViolationException.class, e -> assertThat(e.code()).isEqualTo(code));
  }
}
