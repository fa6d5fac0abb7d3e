package io.c2d.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision.Action;
import io.c2d.spi.filter.ResultFilterProvider;
import java.io.ByteArrayInputStream;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

final class AllowListFilterTest {
  private static final JobResult CSV = new JobResult("summary.csv", ResultKind.OUTPUT, 100, 0);
  private static final JobResult BIN = new JobResult("dump/copy.bin", ResultKind.OUTPUT, 50, 1);
  private static final JobResult PLAIN = new JobResult("README", ResultKind.OUTPUT, 10, 2);
  private static final JobResult LOG =
      new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 5000, 3);
  private static final JobResult PUBLISH =
      new JobResult("publish.log", ResultKind.PUBLISH_LOG, 99999, 4);

  private final AllowListFilter filter = AllowListFilter.create();

  @Test
  void withoutParametersEverythingIsReleased() {
    FilterOutcome outcome = filter.check(subject().build());

    for (JobResult r : new JobResult[] {CSV, BIN, PLAIN, LOG, PUBLISH}) {
      assertThat(outcome.decision(r).action()).as(r.name()).isEqualTo(Action.RELEASE);
    }
    assertThat(outcome.report()).contains("types any");
  }

  @Test
  void outputsOfTypesNotAllowedAreWithheldWithTheReason() {
    FilterOutcome outcome = filter.check(subject().parameter("types", "CSV, .json").build());

    assertThat(outcome.decision(CSV).action()).isEqualTo(Action.RELEASE);
    assertThat(outcome.decision(BIN).action()).isEqualTo(Action.WITHHOLD);
    assertThat(outcome.decision(BIN).reason())
        .isEqualTo("output type 'bin' is not allowed for this asset (allowed: csv, json)");
    assertThat(outcome.decision(PLAIN).reason()).contains("output type 'none'");
    assertThat(outcome.decision(LOG).action()).isEqualTo(Action.RELEASE);
    assertThat(outcome.report()).contains("2 withheld");
  }

  @Test
  void noneAllowsFilesWithoutExtension() {
    FilterOutcome outcome = filter.check(subject().parameter("types", "csv,none").build());

    assertThat(outcome.decision(PLAIN).action()).isEqualTo(Action.RELEASE);
    assertThat(outcome.decision(BIN).action()).isEqualTo(Action.WITHHOLD);
  }

  @Test
  void sizesPerOutputInTotalAndPerLogAreCapped() {
    FilterOutcome perOutput = filter.check(subject().parameter("maxBytes", "60").build());
    assertThat(perOutput.decision(CSV).reason())
        .isEqualTo("output is 100 bytes, more than the 60 this asset allows");
    assertThat(perOutput.decision(BIN).action()).isEqualTo(Action.RELEASE);

    FilterOutcome total = filter.check(subject().parameter("maxTotalBytes", "120").build());
    assertThat(total.decision(CSV).action()).isEqualTo(Action.RELEASE);
    assertThat(total.decision(BIN).reason()).contains("together exceed the 120 bytes");
    assertThat(total.decision(PLAIN).action()).isEqualTo(Action.RELEASE);

    FilterOutcome logs = filter.check(subject().parameter("maxLogBytes", "4096").build());
    assertThat(logs.decision(LOG).reason()).contains("log is 5000 bytes");
    assertThat(logs.decision(PUBLISH).action()).isEqualTo(Action.RELEASE);
  }

  @Test
  void malformedParametersAreRefusedSoTheChainFailsClosed() {
    assertThatThrownBy(() -> filter.check(subject().parameter("maxBytes", "ten").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBytes");
    assertThatThrownBy(() -> filter.check(subject().parameter("maxLogBytes", "-1").build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> filter.check(subject().parameter("types", "csv,,json").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty type");
  }

  @Test
  void theProviderIsFoundByName() {
    ResultFilterProvider found =
        ServiceLoader.load(ResultFilterProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("allow-list"))
            .findFirst()
            .orElseThrow();

    assertThat(found.create(ProviderConfig.empty())).isInstanceOf(AllowListFilter.class);
  }

  private static FilterSubject.Builder subject() {
    FilterSubject.Builder subject =
        FilterSubject.builder(JobId.of("0123456789abcdef0123456789abcdef"));
    for (JobResult r : new JobResult[] {CSV, BIN, PLAIN, LOG, PUBLISH}) {
      subject.addResult(FilterResult.of(r, () -> new ByteArrayInputStream(new byte[0])));
    }
    return subject;
  }
}
