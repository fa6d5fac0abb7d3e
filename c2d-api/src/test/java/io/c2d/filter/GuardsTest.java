package io.c2d.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.c2d.spi.filter.ResultDecision.Action;
import io.c2d.spi.filter.ResultFilterProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class GuardsTest {
  private static final Did DID = Did.of("did:op:" + "cd".repeat(32));
  private static final JobId JOB = JobId.of("0123456789abcdef0123456789abcdef");

  private final List<JobResult> results = new ArrayList<>();

  private static Sha256 sha(byte[] b) throws Exception {
    return Sha256.ofDigest(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private FilterSubject.Builder subject(Map<String, byte[]> outputs, byte[]... inputs)
      throws Exception {
    FilterSubject.Builder b = FilterSubject.builder(JOB).addAsset(DID);
    for (int i = 0; i < inputs.length; i++) {
      byte[] input = inputs[i];
      b.addInput(
          FilterInput.of(DID, i, sha(input), input.length, () -> new ByteArrayInputStream(input)));
    }
    int index = 0;
    for (Map.Entry<String, byte[]> e : outputs.entrySet()) {
      byte[] content = e.getValue();
      ResultKind kind = e.getKey().endsWith(".log") ? ResultKind.ALGORITHM_LOG : ResultKind.OUTPUT;
      JobResult result = new JobResult(e.getKey(), kind, content.length, index++);
      results.add(result);
      b.addResult(FilterResult.of(result, () -> new ByteArrayInputStream(content)));
    }
    return b;
  }

  private JobResult result(String name) {
    return results.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theInputCopyGuardWithholdsCopiesAndReleasesTheAggregate() throws Exception {
    byte[] data = CopyScanTest.random(300_000, 11);
    byte[] half1 = java.util.Arrays.copyOfRange(data, 0, 150_000);
    byte[] half2 = java.util.Arrays.copyOfRange(data, 150_000, data.length);
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("summary.csv", bytes("region,units\nnorth,220\nsouth,310\n"));
    outputs.put("part1.bin", half1);
    outputs.put("part2.bin", half2);
    outputs.put(
        "algorithm.log",
        CopyScanTest.concat(bytes("start\n"), Base64.getMimeEncoder().encode(data)));
    try (InputCopyGuard guard = new InputCopyGuard(1 << 20)) {
      FilterOutcome outcome = guard.check(subject(outputs, data).build());
      assertThat(outcome.decision(result("summary.csv")).action()).isEqualTo(Action.RELEASE);
      for (String name : List.of("part1.bin", "part2.bin", "algorithm.log")) {
        ResultDecision d = outcome.decision(result(name));
        assertThat(d.action()).as(name).isEqualTo(Action.WITHHOLD);
        assertThat(d.reason()).contains("input-copy").contains(DID.value() + "/0");
      }
      assertThat(outcome.report()).contains("COPIED").contains("part1.bin");
    }
  }

  @Test
  void eachInputIsReadOnceWhileItsFingerprintsAreCached() throws Exception {
    byte[] data = CopyScanTest.random(100_000, 12);
    AtomicInteger opened = new AtomicInteger();
    try (InputCopyGuard guard = new InputCopyGuard(1 << 20)) {
      for (int job = 0; job < 3; job++) {
        FilterSubject s =
            FilterSubject.builder(JOB)
                .addInput(
                    FilterInput.of(
                        DID,
                        0,
                        sha(data),
                        data.length,
                        () -> {
                          opened.incrementAndGet();
                          return new ByteArrayInputStream(data);
                        }))
                .addResult(
                    FilterResult.of(
                        new JobResult("copy", ResultKind.OUTPUT, data.length, 0),
                        () -> new ByteArrayInputStream(data)))
                .build();
        assertThat(guard.check(s).decision(new JobResult("copy", ResultKind.OUTPUT, 0, 0)).action())
            .isEqualTo(Action.WITHHOLD);
      }
      assertThat(opened).hasValue(1);
      assertThat(guard.cachedInputs()).isEqualTo(1);
    }
  }

  @Test
  void thresholdsAndActionAreParameters() throws Exception {
    byte[] data = CopyScanTest.random(400_000, 13);
    byte[] slice = java.util.Arrays.copyOfRange(data, 100_000, 130_000); // 30 KB, 7.5%
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("slice.bin", slice);
    try (InputCopyGuard guard = new InputCopyGuard(1 << 20)) {
      assertThat(guard.check(subject(outputs, data).build()).decision(result("slice.bin")).action())
          .as("below 64k and 10%")
          .isEqualTo(Action.RELEASE);
      results.clear();
      FilterSubject strict =
          subject(outputs, data)
              .parameter("maxCopiedBytes", "16k")
              .parameter("action", "review")
              .build();
      assertThat(guard.check(strict).decision(result("slice.bin")).action())
          .isEqualTo(Action.REVIEW);
      results.clear();
      FilterSubject bad = subject(outputs, data).parameter("maxCopiedFraction", "2").build();
      assertThatThrownBy(() -> guard.check(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxCopiedFraction");
    }
  }

  @Test
  void aTinyInputCopiedWholeIsWithheld() throws Exception {
    byte[] sales = bytes(CopyScanTest.csv(8));
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("copy.csv", sales);
    try (InputCopyGuard guard = new InputCopyGuard(1 << 20)) {
      assertThat(guard.check(subject(outputs, sales).build()).decision(result("copy.csv")).action())
          .isEqualTo(Action.WITHHOLD);
    }
  }

  @Test
  void anInputThatIsNotWhatItsSha256SaysFailsTheCheck() throws Exception {
    byte[] data = CopyScanTest.random(10_000, 14);
    FilterSubject s =
        FilterSubject.builder(JOB)
            .addInput(
                FilterInput.of(
                    DID, 0, sha(new byte[1]), data.length, () -> new ByteArrayInputStream(data)))
            .build();
    try (InputCopyGuard guard = new InputCopyGuard(1 << 20)) {
      assertThatThrownBy(() -> guard.check(s))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("SHA-256");
    }
  }

  @Test
  void theSmallCountGuardSuppressesSmallGroups() throws Exception {
    String table =
        String.join(
            "\r\n",
            "region,count,revenue",
            "north,12,100.50",
            "\"south, far\",2,20.00",
            "east,5,40.00",
            "west,0,0",
            "centre,n/a,1",
            "");
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("groups.csv", bytes(table));
    outputs.put("notes.txt", bytes("count\n1\n"));
    outputs.put("model.csv", bytes("feature,weight\na,1\n"));
    SmallCountGuard guard = new SmallCountGuard();
    FilterOutcome outcome = guard.check(subject(outputs).build());
    ResultDecision d = outcome.decision(result("groups.csv"));
    assertThat(d.action()).isEqualTo(Action.REDACT);
    assertThat(d.reason()).isEqualTo("small-count: 2 of 5 rows with a count below 5 suppressed");
    try (InputStream in = d.replacement().orElseThrow().open()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("region,count,revenue\r\nnorth,12,100.50\r\neast,5,40.00\r\nwest,0,0\r\n");
    }
    assertThat(outcome.decision(result("notes.txt")).action()).isEqualTo(Action.RELEASE);
    assertThat(outcome.decision(result("model.csv")).action()).isEqualTo(Action.RELEASE);
    assertThat(outcome.report()).contains("model.csv: no count column");
  }

  @Test
  void theSmallCountGuardReadsItsParameters() throws Exception {
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("t.tsv", bytes("grp\tpeople\na\t9\nb\t30\n"));
    SmallCountGuard guard = new SmallCountGuard();
    FilterOutcome outcome =
        guard.check(
            subject(outputs)
                .parameter("column", "People")
                .parameter("k", "10")
                .parameter("action", "withhold")
                .build());
    assertThat(outcome.decision(result("t.tsv")).reason())
        .isEqualTo("small-count: 1 of 2 rows have a count below 10");
    assertThat(outcome.decision(result("t.tsv")).action()).isEqualTo(Action.WITHHOLD);
    results.clear();
    assertThatThrownBy(() -> guard.check(subject(outputs).parameter("k", "0").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k'");
  }

  @Test
  void aRowOverTheBoundWithholdsTheTable() throws Exception {
    var outputs = new java.util.LinkedHashMap<String, byte[]>();
    outputs.put("big.csv", bytes("name,n\n\"" + "x".repeat(1_100_000) + "\",7\n"));
    FilterOutcome outcome = new SmallCountGuard().check(subject(outputs).build());
    assertThat(outcome.decision(result("big.csv")).action()).isEqualTo(Action.WITHHOLD);
  }

  @Test
  void bothAreFoundByName() {
    Map<String, ResultFilterProvider> found = new java.util.HashMap<>();
    ServiceLoader.load(ResultFilterProvider.class).forEach(p -> found.put(p.name(), p));
    assertThat(found).containsKeys("input-copy", "small-count");
    assertThat(found.get("input-copy").create(ProviderConfig.empty()))
        .isInstanceOf(InputCopyGuard.class);
    assertThat(found.get("small-count").create(ProviderConfig.empty()))
        .isInstanceOf(SmallCountGuard.class);
  }
}
