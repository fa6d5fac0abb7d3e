package io.c2d.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.filter.AllowListFilter;
import io.c2d.filter.AllowListFilterProvider;
import io.c2d.filter.InputCopyGuard;
import io.c2d.filter.SmallCountGuard;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.model.Sha256;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the result filters of {@code io.c2d.filter} with what their
 * two outside parties give them: a publisher's parameters (per asset, from its DDO or the
 * provider's configuration) and a consumer's algorithm's results (names, kinds, bytes: CSV for the
 * small-count guard, copies, encodings and gzip for the input-copy guard), checked against fuzzed
 * inputs; and the filters' providers and {@link ProviderConfig}'s typed getters with fuzzed
 * property values. The SPI's contract: a filter refuses a malformed parameter with an {@link
 * IllegalArgumentException} that names it (the engine then withholds every result and tells the
 * publisher); configuration is refused with a {@link C2dException}; nothing else may escape, and a
 * redacted result's replacement must be readable. The allow-list filter must also keep its promise:
 * the outputs it releases stay within {@code maxBytes} and {@code maxTotalBytes}. Corpus: {@code
 * src/test/resources/io/c2d/fuzz/FilterFuzzTestInputs/}.
 */
final class FilterFuzzTest {
  private static final JobId JOB = JobId.of("0123456789abcdef0123456789abcdef");
  private static final Did DID = Did.of("did:op:" + "cd".repeat(32));
  private static final ResultFilter ALLOW_LIST = AllowListFilter.create();
  private static final ResultFilter SMALL_COUNT = new SmallCountGuard();
  private static final ResultFilter INPUT_COPY = new InputCopyGuard(1 << 20);
  private static final String[] NAMES = {
    "summary.csv", "counts.tsv", "out.bin", "part.txt", "table.CSV", "deep/dir/x.json", "noext"
  };

  /** The allow-list filter: {@code types}, {@code maxBytes}, {@code maxTotalBytes}, logs. */
  @FuzzTest
  void allowList(FuzzedDataProvider data) throws IOException {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String key : List.of("types", "maxBytes", "maxTotalBytes", "maxLogBytes")) {
      if (data.consumeBoolean()) {
        parameters.put(key, data.consumeString(30));
      }
    }
    List<JobResult> results = new ArrayList<>();
    FilterSubject subject = subject(data, parameters, results, true);
    FilterOutcome outcome;
    try {
      outcome = ALLOW_LIST.check(subject);
    } catch (IllegalArgumentException malformed) {
      requireNamesAParameter(malformed, parameters);
      return;
    }
    long maxBytes = limit(parameters.get("maxBytes"));
    long maxTotal = limit(parameters.get("maxTotalBytes"));
    long released = 0;
    for (JobResult result : results) {
      if (result.kind() == ResultKind.OUTPUT
          && outcome.decision(result).action() == ResultDecision.Action.RELEASE) {
        if (result.size() > maxBytes) {
          throw new IllegalStateException("released " + result + " over maxBytes " + maxBytes);
        }
        released = Math.addExact(released, result.size());
      }
    }
    if (released > maxTotal) {
      throw new IllegalStateException("released " + released + " bytes over " + maxTotal);
    }
  }

  /** The small-count guard: {@code k}, {@code column}, {@code action} and CSV/TSV results. */
  @FuzzTest
  void smallCount(FuzzedDataProvider data) throws IOException {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String key : List.of("k", "column", "action")) {
      if (data.consumeBoolean()) {
        parameters.put(key, data.consumeString(20));
      }
    }
    check(SMALL_COUNT, subject(data, parameters, new ArrayList<>(), false), parameters);
  }

  /** The input-copy guard: its thresholds, fuzzed inputs and results that may copy them. */
  @FuzzTest
  void inputCopy(FuzzedDataProvider data) throws IOException {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String key : List.of("maxCopiedBytes", "maxCopiedFraction", "minCopiedBytes", "action")) {
      if (data.consumeBoolean()) {
        parameters.put(key, data.consumeString(20));
      }
    }
    check(INPUT_COPY, subject(data, parameters, new ArrayList<>(), false), parameters);
  }

  /**
   * The filters' providers and {@link ProviderConfig}'s typed getters over fuzzed property values.
   */
  @FuzzTest
  void configuration(FuzzedDataProvider data) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("c2d.filter.input-copy.cacheBytes", data.consumeString(30));
    properties.put("c2d.some.duration", data.consumeString(30));
    properties.put("c2d.some.flag", data.consumeString(10));
    properties.put(data.consumeString(30), data.consumeRemainingAsString());
    ProviderConfig config;
    try {
      config = ProviderConfig.of(properties);
    } catch (C2dException expected) {
      return;
    }
    for (Runnable read :
        List.<Runnable>of(
            () -> new InputCopyGuard.Provider().create(config).close(),
            () -> new SmallCountGuard.Provider().create(config).close(),
            () -> new AllowListFilterProvider().create(config).close(),
            () -> config.longValue("c2d.filter.input-copy.cacheBytes", 1),
            () -> config.duration("c2d.some.duration", Duration.ofSeconds(1)),
            () -> config.booleanValue("c2d.some.flag", false),
            () -> config.scoped("c2d.").asMap())) {
      try {
        read.run();
      } catch (C2dException expected) {
        // a typed refusal is the contract
      }
    }
  }

  private static void check(
      ResultFilter filter, FilterSubject subject, Map<String, String> parameters)
      throws IOException {
    FilterOutcome outcome;
    try {
      outcome = filter.check(subject);
    } catch (IllegalArgumentException malformed) {
      requireNamesAParameter(malformed, parameters);
      return;
    }
    for (FilterResult result : subject.results()) {
      var replacement = outcome.decision(result.result()).replacement();
      if (replacement.isPresent()) {
        try (InputStream in = replacement.get().open()) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
      }
    }
  }

  /** The SPI's refusal of a malformed parameter names the parameter. */
  private static void requireNamesAParameter(
      IllegalArgumentException malformed, Map<String, String> parameters) {
    String message = String.valueOf(malformed.getMessage());
    for (String key : parameters.keySet()) {
      if (message.contains(key)) {
        return;
      }
    }
    throw new IllegalStateException("a refusal that names no parameter: " + message, malformed);
  }

  private static FilterSubject subject(
      FuzzedDataProvider data,
      Map<String, String> parameters,
      List<JobResult> results,
      boolean fuzzSizes) {
    FilterSubject.Builder subject = FilterSubject.builder(JOB).addAsset(DID);
    int inputs = data.consumeInt(0, 2);
    for (int i = 0; i < inputs; i++) {
      byte[] input = data.consumeBytes(4096);
      subject.addInput(
          FilterInput.of(
              DID, i, sha256(input), input.length, () -> new ByteArrayInputStream(input)));
    }
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      String name = data.pickValue(NAMES);
      if (data.consumeBoolean()) {
        name = i + "-" + name;
      }
      ResultKind kind = data.pickValue(ResultKind.values());
      byte[] content = data.consumeBytes(4096);
      long size =
          fuzzSizes && data.consumeBoolean() ? data.consumeLong(0, Long.MAX_VALUE) : content.length;
      JobResult result;
      try {
        result = new JobResult(name, kind, size, i);
      } catch (C2dException e) {
        continue;
      }
      results.add(result);
      subject.addResult(FilterResult.of(result, () -> new ByteArrayInputStream(content)));
    }
    subject.parameters(parameters);
    return subject.build();
  }

  private static long limit(String text) {
    // as the filter reads it: trim() (not strip()), so control characters count as blank too
    return text == null || text.trim().isEmpty() ? Long.MAX_VALUE : Long.parseLong(text.trim());
  }

  private static Sha256 sha256(byte[] bytes) {
    try {
      return Sha256.ofDigest(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
