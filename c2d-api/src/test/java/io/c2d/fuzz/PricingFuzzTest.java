package io.c2d.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import io.c2d.model.Resources;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of an environment's pricing ({@link ComputePricing}), which a
 * provider's configuration sets and a paid start's {@code resources} and {@code maxJobDuration} (a
 * consumer's) are priced by: the builder refuses bad values with the exceptions it documents
 * ({@link IllegalArgumentException}, {@link IllegalStateException} for a price given twice), and
 * {@link ComputePricing#cost} either refuses a negative amount or duration ({@code
 * IllegalArgumentException}, which the HTTP layer never lets through: {@code PaidStarts} checks
 * first) or answers a cost that is not negative and grows with the duration. Corpus: {@code
 * src/test/resources/io/c2d/fuzz/PricingFuzzTestInputs/}.
 */
final class PricingFuzzTest {
  private static final EthAddress TOKEN = EthAddress.of("0x" + "aa".repeat(20));
  private static final String[] IDS = {"cpu", "ram", "disk", "gpu", " ", ""};

  @FuzzTest
  void cost(FuzzedDataProvider data) {
    ComputePricing pricing;
    try {
      ComputePricing.Builder builder = ComputePricing.builder(TOKEN);
      int prices = data.consumeInt(0, 4);
      for (int i = 0; i < prices; i++) {
        builder.price(
            data.consumeBoolean() ? data.pickValue(IDS) : data.consumeString(10),
            BigInteger.valueOf(data.consumeLong()).shiftLeft(data.consumeInt(0, 80)));
      }
      if (data.consumeBoolean()) {
        builder.billingUnit(
            Duration.ofSeconds(data.consumeLong(), data.consumeInt(0, 999_999_999)));
      }
      if (data.consumeBoolean()) {
        builder.minDuration(
            Duration.ofSeconds(data.consumeLong(), data.consumeInt(0, 999_999_999)));
      }
      pricing = builder.build();
      ComputeEnvironment.builder("paid")
          .capacity(Resources.of(1, 64, 64, 0))
          .pricing(data.consumeLong(), pricing)
          .build()
          .pricing(8996);
    } catch (IllegalArgumentException | IllegalStateException refused) {
      // the builders' documented refusals of a configuration
      return;
    }
    Map<String, Long> resources = new LinkedHashMap<>();
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      resources.put(data.pickValue(IDS), data.consumeLong(0, Long.MAX_VALUE));
    }
    Duration duration = Duration.ofSeconds(data.consumeLong(0, Long.MAX_VALUE));
    BigInteger cost = pricing.cost(resources, duration);
    if (cost.signum() < 0) {
      throw new IllegalStateException("a negative cost " + cost);
    }
    if (pricing.cost(resources, duration.dividedBy(2)).compareTo(cost) > 0) {
      throw new IllegalStateException("a shorter run costs more");
    }
  }
}
