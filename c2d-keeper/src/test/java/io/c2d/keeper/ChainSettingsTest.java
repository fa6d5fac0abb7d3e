package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ChainSettingsTest {
  @Test
  void readsThePropertiesWithTheirDefaults() {
    ChainSettings settings =
        ChainSettings.fromConfig(
            ProviderConfig.of(
                Map.of(
                    "c2d.keeper.rpc-url", "http://127.0.0.1:8545", "c2d.keeper.chain-id", "8996")));

    assertThat(settings.rpcUrl()).isEqualTo(URI.create("http://127.0.0.1:8545"));
    assertThat(settings.chainId()).isEqualTo(8996);
    assertThat(settings.confirmations()).isZero();
    assertThat(settings.rpcTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.providerAddress()).isEmpty();
  }

  @Test
  void readsEveryProperty() {
    ChainSettings settings =
        ChainSettings.fromConfig(
            ProviderConfig.of(
                Map.of(
                    "c2d.keeper.rpc-url", "https://[::1]:8545/rpc",
                    "c2d.keeper.chain-id", "137",
                    "c2d.keeper.confirmations", "12",
                    "c2d.keeper.rpc-timeout", "1500ms",
                    "c2d.keeper.provider-address", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")));

    assertThat(settings)
        .isEqualTo(
            ChainSettings.builder()
                .rpcUrl(URI.create("https://[::1]:8545/rpc"))
                .chainId(137)
                .confirmations(12)
                .rpcTimeout(Duration.ofMillis(1500))
                .providerAddress(EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"))
                .build());
  }

  @Test
  void toStringHidesThePathAndQueryOfTheUrlWhichMayHoldAnApiKey() {
    ChainSettings settings =
        ChainSettings.builder()
            .rpcUrl(URI.create("https://127.0.0.1/v3/secret-key?token=also-secret"))
            .chainId(1)
            .build();

    assertThat(settings.toString()).contains("https://127.0.0.1").doesNotContain("secret");
  }

  @Test
  void theBuilderRefusesWhatCannotWork() {
    assertThatThrownBy(() -> ChainSettings.builder().chainId(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rpcUrl");
    assertThatThrownBy(() -> ChainSettings.builder().rpcUrl(URI.create("http://127.0.0.1")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chainId");
    assertThatThrownBy(() -> ChainSettings.builder().rpcUrl(URI.create("ws://127.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChainSettings.builder().chainId(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChainSettings.builder().confirmations(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChainSettings.builder().rpcTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
