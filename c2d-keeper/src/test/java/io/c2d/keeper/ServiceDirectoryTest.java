package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class ServiceDirectoryTest {
  private static final Did DID = Did.of("did:op:" + "ab".repeat(32));
  private static final String ACCESS_TOKEN = "0x" + "11".repeat(20);
  private static final String COMPUTE_TOKEN = "0x" + "22".repeat(20);

  @Test
  void readsTheOrderTermsOfEveryServiceOfADdo() {
    String ddo =
        """
        {"@context": ["https://w3id.org/did/v1"], "id": "%s", "version": "4.1.0", "chainId": 8996,
         "services": [
           {"id": "access-1", "type": "access", "datatokenAddress": "%s", "timeout": 0},
           {"id": "compute-1", "type": "compute", "datatokenAddress": "%s", "timeout": 3600,
            "compute": {"allowRawAlgorithm": false}}
         ]}
        """
            .formatted(DID, ACCESS_TOKEN, COMPUTE_TOKEN);

    ServiceDirectory directory = ServiceDirectory.builder().ddo(ddo).build();

    assertThat(directory.lookup(DID, "compute-1"))
        .contains(new OrderedService(EthAddress.of(COMPUTE_TOKEN), 1, Duration.ofHours(1)));
    assertThat(directory.lookup(DID, "access-1"))
        .contains(new OrderedService(EthAddress.of(ACCESS_TOKEN), 0, Duration.ZERO));
    assertThat(directory.lookup(DID, "compute-2")).isEmpty();
    assertThat(directory.lookup(Did.of("cd".repeat(32)), "compute-1")).isEmpty();
  }

  @Test
  void refusesADdoItCannotRead() {
    assertThatThrownBy(() -> ServiceDirectory.builder().ddo("{"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> ServiceDirectory.builder().ddo("{\"id\": \"" + DID + "\"}"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no services array");
    assertThatThrownBy(
            () ->
                ServiceDirectory.builder()
                    .ddo(
                        "{\"id\": \"%s\", \"services\": [{\"id\": \"c\", \"datatokenAddress\": \"%s\", \"timeout\": \"soon\"}]}"
                            .formatted(DID, COMPUTE_TOKEN)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("services[0].timeout");
  }

  @Test
  void aDdoWithOneMalformedServiceAddsNone() {
    String ddo =
        """
        {"id": "%s", "services": [
           {"id": "compute-1", "datatokenAddress": "%s", "timeout": 60},
           {"id": "compute-2", "datatokenAddress": "%s", "timeout": -1}
         ]}
        """
            .formatted(DID, COMPUTE_TOKEN, COMPUTE_TOKEN);
    ServiceDirectory.Builder builder = ServiceDirectory.builder();

    assertThatThrownBy(() -> builder.ddo(ddo))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("timeout must not be negative")
        .extracting(e -> ((ConfigurationException) e).code())
        .isEqualTo(ErrorCode.CONFIGURATION_INVALID);
    assertThat(builder.build().lookup(DID, "compute-1")).isEmpty();
    assertThatThrownBy(() -> builder.ddo("[1, 2]"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(
            () ->
                builder.ddo(
                    "{\"id\": \"%s\", \"services\": [{\"id\": \"c\", \"datatokenAddress\": \"0x12\"}]}"
                        .formatted(DID)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("services[0].datatokenAddress");
  }

  @Test
  void aBuiltDirectoryDoesNotChangeWithItsBuilder() {
    ServiceDirectory.Builder builder = ServiceDirectory.builder();
    ServiceDirectory before = builder.build();

    builder.service(DID, "c", new OrderedService(EthAddress.of(COMPUTE_TOKEN), 0, Duration.ZERO));

    assertThat(before.lookup(DID, "c")).isEmpty();
    assertThat(builder.build().lookup(DID, "c")).isPresent();
  }
}
