package io.c2d.spi.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class FilterSpiTest {
  private static final Did DID = Did.of("did:op:" + "ab".repeat(32));
  private static final JobResult CSV = new JobResult("out.csv", ResultKind.OUTPUT, 3, 0);
  private static final JobResult LOG =
      new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 3, 1);

  @Test
  void anUnnamedResultIsReleasedAndTheStricterDecisionWins() {
    FilterOutcome outcome =
        FilterOutcome.builder()
            .decide(CSV, ResultDecision.withhold("copy of an input"))
            .decide(CSV, ResultDecision.review("looks odd"))
            .report("checked 2 results")
            .build();

    assertThat(outcome.decision(CSV).action()).isEqualTo(ResultDecision.Action.WITHHOLD);
    assertThat(outcome.decision(CSV).reason()).isEqualTo("copy of an input");
    assertThat(outcome.decision(LOG)).isEqualTo(ResultDecision.release());
    assertThat(outcome.report()).isEqualTo("checked 2 results");
  }

  @Test
  void decisionsMatchResultsByKindAndName() {
    FilterOutcome outcome =
        FilterOutcome.builder().decide(CSV, ResultDecision.withhold("too big")).build();

    assertThat(outcome.decision(new JobResult("out.csv", ResultKind.OUTPUT, 99, 4)).action())
        .isEqualTo(ResultDecision.Action.WITHHOLD);
    assertThat(outcome.decision(new JobResult("out.csv", ResultKind.ALGORITHM_LOG, 3, 0)).action())
        .isEqualTo(ResultDecision.Action.RELEASE);
  }

  @Test
  void anInputCanBeReadOnce() throws Exception {
    FilterInput input = FilterInput.of(DID, 0, null, 3, () -> stream("abc"));

    try (InputStream in = input.open()) {
      assertThat(in.readAllBytes()).hasSize(3);
    }
    assertThatThrownBy(input::open)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("once");
    assertThat(input.sha256()).isEmpty();
    assertThat(input.size()).hasValue(3);
  }

  @Test
  void aResultCanBeReadAgain() throws Exception {
    FilterResult result = FilterResult.of(CSV, () -> stream("a,b"));

    try (InputStream first = result.open();
        InputStream second = result.open()) {
      assertThat(first.readAllBytes()).isEqualTo(second.readAllBytes());
    }
  }

  @Test
  void badReasonsAndStatusesAreRefused() {
    assertThatThrownBy(() -> ResultDecision.withhold(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResultDecision.review("x".repeat(501)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                FilterSubject.builder(JobId.of("0123456789abcdef0123456789abcdef"))
                    .status(JobStatus.RUNNING_ALGORITHM))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }
}
