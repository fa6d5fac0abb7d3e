package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

final class ComputePricingTest {
  private static final EthAddress TOKEN =
      EthAddress.of("0x00000000000000000000000000000000000000aa");

  @Test
  void aJobCostsEachResourcesPriceTimesItsAmountTimesTheStartedBillingUnits() {
    ComputePricing pricing =
        ComputePricing.builder(TOKEN)
            .price("cpu", BigInteger.valueOf(100))
            .price("ram", BigInteger.valueOf(7))
            .build();

    // 61 s are two started minutes: (100 × 2 + 7 × 3) × 2
    assertThat(pricing.cost(Map.of("cpu", 2L, "ram", 3L), Duration.ofSeconds(61)))
        .isEqualTo(BigInteger.valueOf(442));
    assertThat(pricing.cost(Map.of("cpu", 1L), Duration.ofMinutes(1)))
        .isEqualTo(BigInteger.valueOf(100));
    assertThat(pricing.cost(Map.of("cpu", 1L), Duration.ZERO)).isZero();
    assertThat(pricing.cost(Map.of("gpu", 4L), Duration.ofHours(1)))
        .as("a resource without a price is free")
        .isZero();
  }

  @Test
  void perSecondPricingAndAMinimumDuration() {
    ComputePricing pricing =
        ComputePricing.builder(TOKEN)
            .price("cpu", BigInteger.TEN)
            .billingUnit(Duration.ofSeconds(1))
            .minDuration(Duration.ofSeconds(30))
            .build();

    assertThat(pricing.cost(Map.of("cpu", 1L), Duration.ofMillis(45_200)))
        .isEqualTo(BigInteger.valueOf(460));
    assertThat(pricing.cost(Map.of("cpu", 1L), Duration.ofSeconds(5)))
        .as("raised to the minimum")
        .isEqualTo(BigInteger.valueOf(300));
  }

  @Test
  void badPricesAndAmountsAreRefusedNamingTheField() {
    ComputePricing.Builder builder = ComputePricing.builder(TOKEN).price("cpu", BigInteger.ONE);

    assertThatThrownBy(() -> builder.price("cpu", BigInteger.TWO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cpu");
    assertThatThrownBy(() -> builder.price("ram", BigInteger.valueOf(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ram");
    assertThatThrownBy(() -> builder.billingUnit(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("billingUnit");
    assertThatThrownBy(() -> builder.build().cost(Map.of("cpu", -1L), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpu");
    assertThatThrownBy(() -> new PaymentTerms(TOKEN, TOKEN, Map.of(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxDuration");
  }

  @Test
  void aProviderFeeRecoversToTheProvidersAddressOverThePackedFields() throws Exception {
    ProviderFeeSigner signer =
        ProviderFeeSigner.create(
            "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    String data =
        ProviderFeeSigner.computeProviderData("env-1", TOKEN, "svc", Instant.ofEpochSecond(42));

    ProviderFee fee = signer.sign(TOKEN, BigInteger.valueOf(5), data, Instant.ofEpochSecond(99));

    assertThat(data)
        .isEqualTo(
            "{\"environment\":\"env-1\",\"timestamp\":42,\"dt\":\""
                + TOKEN.value()
                + "\","
                + "\"id\":\"svc\"}");
    assertThat(fee.providerData())
        .isEqualTo(Numeric.toHexString(data.getBytes(StandardCharsets.UTF_8)));
    // the digest the contract rebuilds: providerData ‖ feeAddress ‖ feeToken ‖ amount ‖ validUntil
    byte[] packed =
        Numeric.hexStringToByteArray(
            Numeric.cleanHexPrefix(fee.providerData())
                + Numeric.cleanHexPrefix(signer.address().value())
                + Numeric.cleanHexPrefix(TOKEN.value())
                + Numeric.toHexStringNoPrefixZeroPadded(BigInteger.valueOf(5), 64)
                + Numeric.toHexStringNoPrefixZeroPadded(BigInteger.valueOf(99), 64));
    BigInteger key =
        Sign.signedPrefixedMessageToKey(
            Hash.sha3(packed),
            new Sign.SignatureData(
                (byte) fee.v(),
                Numeric.hexStringToByteArray(fee.r()),
                Numeric.hexStringToByteArray(fee.s())));
    assertThat("0x" + Keys.getAddress(key)).isEqualTo(signer.address().value());
    assertThat(fee.toOceanJson().get("providerFeeAddress"))
        .isEqualTo(Keys.toChecksumAddress(signer.address().value()));
  }
}
