package io.c2d.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.InvalidRequestException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

final class OceanSignatureTest {
  private static final String CHECKSUMMED = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  private static final String SIGNATURE = "0x" + "ab".repeat(64) + "1c";

  @Test
  void theSignedDigestBytesDropLeadingZeroBytesAsEthersToBeArrayDoes() {
    byte[] digest = new byte[32];
    digest[2] = 7;
    digest[31] = 1;
    byte[] signed = OceanSignature.signedDigestBytes(digest);
    assertThat(signed).hasSize(30).startsWith(7);

    byte[] full = new byte[32];
    full[0] = (byte) 0x80;
    assertThat(OceanSignature.signedDigestBytes(full)).isEqualTo(full).isNotSameAs(full);
    assertThat(OceanSignature.signedDigestBytes(new byte[32])).isEmpty();
    assertThatThrownBy(() -> OceanSignature.signedDigestBytes(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keepsTheFieldsAsSentAndSignsTheAddressVerbatim() {
    OceanSignature signature = OceanSignature.of(CHECKSUMMED, "0042", SIGNATURE);

    assertThat(signature.consumerAddress()).isEqualTo(CHECKSUMMED);
    assertThat(signature.consumer()).isEqualTo(EthAddress.of(CHECKSUMMED.toLowerCase(Locale.ROOT)));
    assertThat(signature.nonce()).isEqualTo("0042");
    assertThat(signature.nonceValue()).isEqualTo(BigInteger.valueOf(42));
    assertThat(signature.message(OceanSignature.STOP_COMPUTE))
        .isEqualTo((CHECKSUMMED + "0042stopCompute").getBytes(UTF_8));
    assertThat(signature.toString()).doesNotContain(SIGNATURE);
    assertThat(signature).isEqualTo(OceanSignature.of(CHECKSUMMED, "0042", SIGNATURE));
    assertThat(signature)
        .isNotEqualTo(OceanSignature.of(CHECKSUMMED.toLowerCase(Locale.ROOT), "0042", SIGNATURE));
  }

  @Test
  void refusesEachMalformedFieldByName() {
    assertField(() -> OceanSignature.of(null, "1", SIGNATURE), "consumerAddress");
    assertField(() -> OceanSignature.of("0x1234", "1", SIGNATURE), "consumerAddress");
    assertField(() -> OceanSignature.of(CHECKSUMMED, null, SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "", SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "-1", SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1.5", SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1e21", SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "9".repeat(79), SIGNATURE), "nonce");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1", null), "signature");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1", SIGNATURE.substring(2)), "signature");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1", SIGNATURE + "00"), "signature");
    assertField(() -> OceanSignature.of(CHECKSUMMED, "1", "0x" + "zz".repeat(65)), "signature");
    assertThatThrownBy(() -> OceanSignature.of(CHECKSUMMED, "1", SIGNATURE).message("a b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void freeLimitsMustFitTheEnvironment() {
    FreeLimits limits = FreeLimits.of(Duration.ofMinutes(5), Resources.of(1, 512, 1024, 0), 2, 1);
    ComputeEnvironment env =
        ComputeEnvironment.builder("free")
            .maxPerJob(Resources.of(1, 1024, 2048, 0))
            .maxDuration(Duration.ofMinutes(10))
            .freeLimits(limits)
            .build();
    assertThat(env.freeLimits()).contains(limits);
    assertThat(ComputeEnvironment.builder("paid").build().freeLimits()).isEmpty();

    assertThatThrownBy(
            () ->
                ComputeEnvironment.builder("free")
                    .maxPerJob(Resources.of(0.5, 1024, 2048, 0))
                    .freeLimits(limits)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("free maxPerJob");
    assertThatThrownBy(
            () ->
                ComputeEnvironment.builder("free")
                    .maxPerJob(Resources.of(1, 1024, 2048, 0))
                    .maxDuration(Duration.ofMinutes(1))
                    .freeLimits(limits)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("free maxDuration");
    assertThatThrownBy(() -> FreeLimits.of(Duration.ZERO, Resources.NONE, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FreeLimits.of(Duration.ofMinutes(1), Resources.NONE, 1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertField(Runnable parse, String field) {
    assertThatThrownBy(parse::run)
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
