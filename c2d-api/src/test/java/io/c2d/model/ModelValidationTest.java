package io.c2d.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The catalogue of malformed values: each is refused with the field it concerns. */
final class ModelValidationTest {
  static final String DID = "did:op:" + "ab".repeat(32);
  static final String CONSUMER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  static final String TX = "0x" + "12".repeat(32);
  static final String SIGNATURE = "0x" + "1b".repeat(65);

  @Test
  void addressesAreNormalisedToLowerCase() {
    assertThat(EthAddress.of(CONSUMER).value())
        .isEqualTo(CONSUMER.toLowerCase(java.util.Locale.ROOT));
    assertThat(EthAddress.of(CONSUMER))
        .isEqualTo(EthAddress.of(CONSUMER.toLowerCase(java.util.Locale.ROOT)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "0x",
        "70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79CG",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C80"
      })
  void malformedAddressesNameTheirField(String bad) {
    expectInvalid(() -> EthAddress.parse(bad, "consumerAddress"), "consumerAddress");
  }

  @Test
  void didsKeepTheirIdWithoutPrefix() {
    Did did = Did.of(DID.toUpperCase(java.util.Locale.ROOT).replace("DID:OP:", "did:op:"));
    assertThat(did.value()).isEqualTo(DID);
    assertThat(did.id()).isEqualTo("ab".repeat(32));
    assertThat(Did.of("ab".repeat(32))).isEqualTo(did);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "did:op:",
        "did:op:abc",
        "did:eth:" + "ab",
        "did:op:" + "zz",
        "did:op:../../etc"
      })
  void malformedDidsAreRefused(String bad) {
    expectInvalid(() -> Did.parse(bad, "dataset.documentId"), "dataset.documentId");
  }

  @Test
  void jobIdsAreDerivedDeterministically() {
    EthAddress owner = EthAddress.of(CONSUMER);
    assertThat(JobId.derive(owner, "r1")).isEqualTo(JobId.derive(owner, "r1"));
    assertThat(JobId.derive(owner, "r1")).isNotEqualTo(JobId.derive(owner, "r2"));
    assertThat(JobId.derive(owner, "r1").value()).hasSize(32).matches("[0-9a-f]+");
    expectInvalid(() -> JobId.of("../etc/passwd"), "jobId");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "", ".", "..", "c:x", "a\nb"})
  void resultNamesThatLeaveTheResultAreaAreRefused(String bad) {
    expectInvalid(() -> JobResult.checkName(bad), "result.name");
  }

  @Test
  void safeResultNamesPass() {
    assertThat(JobResult.checkName("plots/a.png")).isEqualTo("plots/a.png");
    assertThat(new JobResult("result.csv", ResultKind.OUTPUT, 10, 0).name())
        .isEqualTo("result.csv");
  }

  @Test
  void negativeOrAbsurdResourcesAreRefused() {
    expectInvalid(() -> new Resources(-1, 0, 0, 0), "resources.cpu");
    expectInvalid(() -> new Resources(0, -5, 0, 0), "resources.memory");
    expectInvalid(() -> new Resources(0, 0, Long.MAX_VALUE, 0), "resources.disk");
    expectInvalid(() -> new Resources(0, 0, 0, 5000), "resources.gpu");
    expectInvalid(() -> Resources.of(Double.NaN, 1, 1, 0), "resources.cpu");
    assertThat(Resources.of(0.5, 512, 1024, 1))
        .isEqualTo(new Resources(500, 512L << 20, 1024L << 20, 1));
  }

  @Test
  void containersAreChecked() {
    expectInvalid(() -> ContainerSpec.of("", "1", "sh"), "algorithm.container.image");
    expectInvalid(() -> ContainerSpec.of("Bad Image", "1", "sh"), "algorithm.container.image");
    expectInvalid(() -> ContainerSpec.of("busybox", "bad tag", "sh"), "algorithm.container.tag");
    expectInvalid(() -> ContainerSpec.of("busybox", "1", " "), "algorithm.container.entrypoint");
    expectInvalid(
        () -> new ContainerSpec("busybox", "1", "md5:abc", "sh"), "algorithm.container.digest");
    ContainerSpec pinned =
        new ContainerSpec("busybox", "1", "sha256:" + "AB".repeat(32), "sh $ALGO");
    assertThat(pinned.digest()).isEqualTo("sha256:" + "ab".repeat(32));
    assertThat(pinned.reference()).isEqualTo("busybox@sha256:" + "ab".repeat(32));
  }

  @Test
  void algorithmsAreChecked() {
    ContainerSpec container = ContainerSpec.of("busybox", "1", "sh $ALGO");
    expectInvalid(() -> Algorithm.raw(container, ""), "algorithm.rawcode");
    expectInvalid(
        () -> Algorithm.raw(container, "echo").customData("[1]"), "algorithm.algocustomdata");
    expectInvalid(
        () -> Algorithm.raw(container, "echo").customData("{"), "algorithm.algocustomdata");
    expectInvalid(
        () -> Algorithm.raw(container, "echo").putEnvironment("1X", "v"), "algorithm.envs");
    expectInvalid(
        () -> Algorithm.published(Did.of(DID), "svc", container).orderTx("0x12"),
        "algorithm.transferTxId");
  }

  @Test
  void aCompleteRequestBuilds() {
    ComputeRequest request = complete().build();

    assertThat(request.requestId()).isEqualTo("nonce:1");
    assertThat(request.consumer()).isEqualTo(EthAddress.of(CONSUMER));
    assertThat(request.bodySha256()).hasSize(64).isEqualTo(complete().build().bodySha256());
  }

  @Test
  void theSignedBodyCoversTheConsumersFields() {
    String base = complete().build().bodySha256();
    assertThat(complete().environment("other").build().bodySha256()).isNotEqualTo(base);
    assertThat(complete().maxDuration(Duration.ofSeconds(5)).build().bodySha256())
        .isNotEqualTo(base);
    assertThat(complete().networkAccess(true).build().bodySha256()).isNotEqualTo(base);
    assertThat(
            complete()
                .algorithm(
                    Algorithm.raw(ContainerSpec.of("busybox", "1", "sh $ALGO"), "rm -rf /").build())
                .build()
                .bodySha256())
        .isNotEqualTo(base);
  }

  @Test
  void theSigningMessageBindsChainProviderCommandNonceAndExpiry() {
    ComputeRequest request = complete().build();
    EthAddress provider = EthAddress.of("0x" + "11".repeat(20));
    String message =
        new String(request.signingMessage(8996, provider), java.nio.charset.StandardCharsets.UTF_8);

    assertThat(message)
        .contains("chain-id: 8996", "provider: " + provider.value(), "command: compute.start")
        .contains("body-sha256: " + request.bodySha256(), "nonce: 1", "expires: 2000000000");
    assertThat(request.signingMessage(1, provider))
        .isNotEqualTo(request.signingMessage(8996, provider));
  }

  @Test
  void missingAndMalformedRequestFieldsNameTheField() {
    expectInvalid(() -> ComputeRequest.builder().build(), "consumer");
    expectInvalid(() -> withDatasets(b -> {}).build(), "datasets");
    expectInvalid(() -> ComputeRequest.builder().nonce("12a"), "nonce");
    expectInvalid(() -> ComputeRequest.builder().nonce(""), "nonce");
    expectInvalid(() -> ComputeRequest.builder().signature("0x1234"), "signature");
    expectInvalid(() -> ComputeRequest.builder().consumer("bob"), "consumer");
    expectInvalid(() -> ComputeRequest.builder().requestId("a b"), "requestId");
    expectInvalid(
        () -> ComputeRequest.builder().maxDuration(Duration.ofDays(400)), "maxJobDuration");
    expectInvalid(() -> ComputeRequest.builder().maxDuration(Duration.ZERO), "maxJobDuration");
    expectInvalid(() -> ComputeRequest.builder().agreementId("0xnothex"), "agreementId");
    expectInvalid(
        () ->
            complete()
                .addDataset(DatasetInput.builder(Did.of(DID), "svc").orderTx(TX).build())
                .build(),
        "datasets[1].did");
    expectInvalid(
        () ->
            withDatasets(b -> b.addDataset(DatasetInput.builder(Did.of(DID), "svc").build()))
                .build(),
        "agreementId");
  }

  static ComputeRequest.Builder complete() {
    return ComputeRequest.builder()
        .consumer(CONSUMER)
        .addDataset(DatasetInput.builder(Did.of(DID), "compute").orderTx(TX).build())
        .algorithm(Algorithm.raw(ContainerSpec.of("busybox", "1", "sh $ALGO"), "echo hi").build())
        .environment("local")
        .nonce("1")
        .expiresAt(Instant.ofEpochSecond(2_000_000_000L))
        .signature(SIGNATURE);
  }

  private static ComputeRequest.Builder withDatasets(Consumer<ComputeRequest.Builder> datasets) {
    ComputeRequest.Builder builder =
        ComputeRequest.builder()
            .consumer(CONSUMER)
            .algorithm(Algorithm.raw(ContainerSpec.of("busybox", "1", "sh $ALGO"), "echo").build())
            .environment("local")
            .nonce("1")
            .expiresAt(Instant.ofEpochSecond(2_000_000_000L))
            .signature(SIGNATURE);
    datasets.accept(builder);
    return builder;
  }

  static void expectInvalid(ThrowingCallable call, String field) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            });
  }
}
