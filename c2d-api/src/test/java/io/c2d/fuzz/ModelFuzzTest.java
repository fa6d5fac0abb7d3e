package io.c2d.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.OceanSignature;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.support.ResultCollector;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing (Jazzer) of the model's entry points for outside input: the request
 * builders with arbitrary field values, the identifiers ({@link Did}, {@link EthAddress}, {@link
 * JobId}), Ocean's signed fields ({@link OceanSignature}), a DDO's compute policy ({@link
 * ComputePolicy#fromDdo}) and result names ({@link JobResult#checkName}, which the support layer's
 * {@code ResultCollector} uses to decide which output names are safe). Every value here may come
 * from a consumer, so the only acceptable refusal is a {@link C2dException}; any other exception
 * fails the target. Corpus: {@code src/test/resources/io/c2d/fuzz/ModelFuzzTestInputs/}.
 */
final class ModelFuzzTest {
  private static final String DID = "did:op:" + "cc".repeat(32);
  private static final String ADDRESS = "0x" + "ab".repeat(20);
  private static final String TX = "0x" + "01".repeat(32);
  private static final String OCEAN_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  private static final String SIGNATURE = "0x" + "1b".repeat(65);

  /**
   * Builds a whole request from fuzzer-chosen values for every field, each setter called or not.
   */
  @FuzzTest
  void requestBuilder(FuzzedDataProvider data) {
    try {
      ComputeRequest.Builder builder = ComputeRequest.builder();
      if (data.consumeBoolean()) {
        builder.requestId(text(data, "r-1", 160));
      }
      if (data.consumeBoolean()) {
        builder.consumer(text(data, ADDRESS, 50));
      }
      if (data.consumeBoolean()) {
        builder.agreementId(text(data, TX, 70));
      }
      int datasets = data.consumeInt(0, 3);
      for (int i = 0; i < datasets; i++) {
        builder.addDataset(dataset(data));
      }
      if (data.consumeBoolean()) {
        builder.algorithm(algorithm(data));
      }
      if (data.consumeBoolean()) {
        builder.environment(text(data, "cpu", 300));
      }
      if (data.consumeBoolean()) {
        builder.resources(
            Resources.of(
                data.consumeDouble(), data.consumeLong(), data.consumeLong(), data.consumeInt()));
      }
      if (data.consumeBoolean()) {
        builder.resources(
            new Resources(
                data.consumeLong(), data.consumeLong(), data.consumeLong(), data.consumeInt()));
      }
      if (data.consumeBoolean()) {
        builder.maxDuration(Duration.ofMillis(data.consumeLong()));
      }
      builder.networkAccess(data.consumeBoolean());
      if (data.consumeBoolean()) {
        builder.output(
            new OutputOptions(
                data.consumeBoolean(), data.consumeBoolean() ? data.consumeString(300) : null));
      }
      if (data.consumeBoolean()) {
        builder.nonce(text(data, "1", 90));
      }
      if (data.consumeBoolean()) {
        builder.expiresAt(Instant.ofEpochSecond(data.consumeLong(-(1L << 40), 1L << 40)));
      }
      if (data.consumeBoolean()) {
        builder.signature(text(data, "0x" + "1b".repeat(65), 140));
      }
      if (data.consumeBoolean()) {
        builder.buildUnsigned();
      }
      builder.build();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /** The identifiers a consumer or a URL gives. */
  @FuzzTest
  void identifiers(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    try {
      Did.of(text).id();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
    try {
      EthAddress.of(text);
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
    try {
      JobId.of(text);
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /**
   * Ocean's three signed fields as a consumer sends them ({@code consumerAddress}, {@code nonce},
   * {@code signature}): refused with a typed error, or kept verbatim with a consistent address,
   * counter value and signed message.
   */
  @FuzzTest
  void oceanSignature(FuzzedDataProvider data) {
    String address = text(data, OCEAN_ADDRESS, 50);
    String nonce = text(data, "1", 90);
    String signature = text(data, SIGNATURE, 140);
    OceanSignature parsed;
    try {
      parsed = OceanSignature.of(address, nonce, signature);
    } catch (C2dException expected) {
      return;
    }
    if (!parsed.consumerAddress().equals(address)
        || !parsed.consumer().value().equalsIgnoreCase(address)
        || parsed.nonceValue().signum() < 0
        || !parsed.nonceValue().equals(new BigInteger(nonce))
        || !parsed.signature().equals(signature)) {
      throw new IllegalStateException("accepted but not kept as sent: " + parsed);
    }
    String command = data.consumeBoolean() ? OceanSignature.STOP_COMPUTE : data.consumeString(70);
    try {
      byte[] message = parsed.message(command);
      if (!Arrays.equals(message, (address + nonce + command).getBytes(StandardCharsets.UTF_8))) {
        throw new IllegalStateException("the signed message is not address + nonce + command");
      }
    } catch (IllegalArgumentException notACommand) {
      // the application names the command, never the consumer: a programming error
    }
    try {
      ComputeRequest.builder()
          .oceanSignature(
              parsed,
              data.consumeBoolean()
                  ? OceanSignature.START_COMPUTE
                  : OceanSignature.FREE_START_COMPUTE)
          .environment(text(data, "cpu", 300))
          .addDataset(dataset(data))
          .algorithm(algorithm(data))
          .build();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /** A dataset's DDO, as a provider fetches it, read for the compute service's policy. */
  @FuzzTest
  void ddoPolicy(byte[] input) {
    try {
      ComputePolicy.fromDdo(
          new String(input, StandardCharsets.UTF_8), "compute", "datasets[0].ddo");
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /**
   * An output's name as an algorithm chose it: how the collector shows it in a log line, whether it
   * is safe, and a result listed under it.
   */
  @FuzzTest
  void resultName(byte[] input) {
    String name = new String(input, StandardCharsets.UTF_8);
    ResultCollector.show(name);
    try {
      JobResult.checkName(name);
      int index = 0;
      for (ResultKind kind : ResultKind.values()) {
        new JobResult(name, kind, input.length, index++);
      }
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /**
   * Builds file locators of every kind from fuzzer-chosen text: each factory accepts or refuses
   * with a {@link C2dException}; an accepted locator's URI names it again and its redacted form
   * never shows a header value.
   */
  @FuzzTest
  void fileLocators(FuzzedDataProvider data) {
    try {
      FileLocator locator =
          switch (data.consumeInt(0, 5)) {
            case 0 -> FileLocator.of(uri(data.consumeString(200)));
            case 1 -> FileLocator.ipfs(data.consumeString(140));
            case 2 -> FileLocator.arweave(data.consumeString(140));
            case 3 -> FileLocator.pvc(data.consumeString(80), data.consumeString(200));
            case 4 -> FileLocator.file(Path.of("/", data.consumeString(200)));
            default -> {
              URI target = uri(data.consumeString(200));
              String method = text(data, "POST", 8);
              String header = text(data, "Authorization", 40);
              String value = data.consumeString(100);
              FileLocator shown = urlWithHeader(target, method, header, "secret-1-" + value);
              FileLocator other = urlWithHeader(target, method, header, "secret-2-" + value);
              // two header values must not tell the shown forms apart: neither shows its value
              if (!shown.redacted().equals(other.redacted())
                  || !shown.toString().equals(other.toString())) {
                throw new IllegalStateException("a header value is shown: " + shown);
              }
              yield shown;
            }
          };
      if (data.consumeBoolean()) {
        locator = locator.withExpectedSize(data.consumeLong());
      }
      if (locator.headers().isEmpty()
          && locator.expectedSize().isEmpty()
          && !FileLocator.of(locator.uri()).equals(locator)) {
        throw new IllegalStateException("a locator's URI names another locator: " + locator);
      }
      DatasetInput.builder(Did.of(DID), "compute").addLocator(locator).build();
    } catch (C2dException | InvalidPathException expected) {
      // a typed refusal is the contract; Path.of refuses a NUL before c2d sees it
    }
  }

  private static FileLocator urlWithHeader(URI target, String method, String name, String value) {
    return FileLocator.urlBuilder(target).method(method).header(name, value).build();
  }

  private static DatasetInput dataset(FuzzedDataProvider data) {
    DatasetInput.Builder builder =
        DatasetInput.builder(Did.of(text(data, DID, 80)), text(data, "compute", 300));
    if (data.consumeBoolean()) {
      builder.orderTx(text(data, TX, 70));
    }
    if (data.consumeBoolean()) {
      builder.addFile(uri(data.consumeString(100)));
    }
    if (data.consumeBoolean()) {
      builder.ddoJson(text(data, "{}", 400));
    }
    if (data.consumeBoolean()) {
      builder.userData(text(data, "{}", 200));
    }
    return builder.build();
  }

  private static Algorithm algorithm(FuzzedDataProvider data) {
    ContainerSpec container =
        data.consumeBoolean()
            ? ContainerSpec.of(
                text(data, "python", 80), text(data, "3", 140), text(data, "python $ALGO", 200))
            : new ContainerSpec(
                data.consumeString(80),
                data.consumeString(140),
                data.consumeString(80),
                data.consumeString(200));
    Algorithm.Builder builder =
        data.consumeBoolean()
            ? Algorithm.raw(container, data.consumeString(300))
            : Algorithm.published(Did.of(text(data, DID, 80)), text(data, "algo", 300), container);
    if (data.consumeBoolean()) {
      builder.orderTx(text(data, TX, 70));
    }
    if (data.consumeBoolean()) {
      builder.addFile(uri(data.consumeString(100)));
    }
    if (data.consumeBoolean()) {
      builder.ddoJson(text(data, "{}", 400));
    }
    if (data.consumeBoolean()) {
      builder.putEnvironment(data.consumeString(40), data.consumeString(100));
    }
    if (data.consumeBoolean()) {
      builder.customData(text(data, "{}", 200));
    }
    return builder.build();
  }

  /** A valid value half the time, so the fuzzer reaches the fields after it; else any text. */
  private static String text(FuzzedDataProvider data, String valid, int maxLength) {
    return data.consumeBoolean() ? valid : data.consumeString(maxLength);
  }

  /** A file locator; text that is no URI is refused before it reaches the builders. */
  private static URI uri(String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      return URI.create("file:/data/input");
    }
  }
}
