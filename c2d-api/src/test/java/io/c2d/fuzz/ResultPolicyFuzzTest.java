package io.c2d.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.model.ResultPolicy;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of the reader of an asset's result policy ({@link
 * ResultPolicy#parse}, the {@code compute.resultFilters} of its DDO). A DDO may come from another
 * party, so the only acceptable refusal is a {@link C2dException}; a parsed policy must keep its
 * limits. Corpus: {@code src/test/resources/io/c2d/fuzz/ResultPolicyFuzzTestInputs/}.
 */
final class ResultPolicyFuzzTest {

  @FuzzTest
  void policy(byte[] input) {
    try {
      ResultPolicy policy =
          ResultPolicy.parse(new String(input, StandardCharsets.UTF_8), "resultFilters");
      if (policy.filters().size() > 16) {
        throw new IllegalStateException("more than 16 filters: " + policy.filters().size());
      }
      for (ResultPolicy.Filter filter : policy.filters()) {
        if (filter.parameters().size() > 64) {
          throw new IllegalStateException("more than 64 parameters");
        }
      }
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }
}
