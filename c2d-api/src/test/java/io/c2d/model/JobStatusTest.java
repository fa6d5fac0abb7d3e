package io.c2d.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class JobStatusTest {

  @Test
  void oceanCodesAndTextsAreKept() {
    assertThat(JobStatus.WARMING_UP.code()).isEqualTo(1);
    assertThat(JobStatus.JOB_STARTED.code()).isEqualTo(10);
    assertThat(JobStatus.CONFIGURING_VOLUMES.code()).isEqualTo(20);
    assertThat(JobStatus.PROVISIONING_SUCCESS.code()).isEqualTo(30);
    assertThat(JobStatus.DATA_PROVISIONING_FAILED.code()).isEqualTo(31);
    assertThat(JobStatus.ALGORITHM_PROVISIONING_FAILED.code()).isEqualTo(32);
    assertThat(JobStatus.RUNNING_ALGORITHM.text()).isEqualTo("Running algorithm ");
    assertThat(JobStatus.FILTERING_RESULTS.code()).isEqualTo(50);
    assertThat(JobStatus.PUBLISHING_RESULTS.code()).isEqualTo(60);
    assertThat(JobStatus.COMPLETED.code()).isEqualTo(70);
    assertThat(JobStatus.COMPLETED.text()).isEqualTo("Job finished");
    assertThat(JobStatus.ALGORITHM_FAILED.code()).isEqualTo(41);
  }

  @Test
  void codesAreUniqueAndOursStayOutOfOceansRanges() {
    Set<Integer> codes =
        Arrays.stream(JobStatus.values()).map(JobStatus::code).collect(Collectors.toSet());
    assertThat(codes).hasSize(JobStatus.values().length);
    for (JobStatus status : JobStatus.values()) {
      assertThat(JobStatus.ofCode(status.code())).contains(status);
    }
    assertThat(JobStatus.ofCode(71)).isEmpty();
    assertThat(JobStatus.ofCode(-1)).isEmpty();
    assertThat(JobStatus.QUEUED.code()).isGreaterThan(100);
  }

  @Test
  void statusesOnlyMoveForwardAndNothingFollowsAnEnd() {
    assertThat(JobStatus.QUEUED.canMoveTo(JobStatus.WARMING_UP)).isTrue();
    assertThat(JobStatus.RUNNING_ALGORITHM.canMoveTo(JobStatus.COMPLETED)).isTrue();
    assertThat(JobStatus.RUNNING_ALGORITHM.canMoveTo(JobStatus.CONFIGURING_VOLUMES)).isFalse();
    assertThat(JobStatus.RUNNING_ALGORITHM.canMoveTo(JobStatus.RUNNING_ALGORITHM)).isFalse();
    for (JobStatus end : JobStatus.values()) {
      if (end.isTerminal()) {
        for (JobStatus next : JobStatus.values()) {
          assertThat(end.canMoveTo(next)).as("%s -> %s", end, next).isFalse();
        }
      }
    }
  }

  @Test
  void resultKindsSpeakOceansTypes() {
    assertThat(ResultKind.ofOceanType("configrationLog")).contains(ResultKind.CONFIGURATION_LOG);
    assertThat(ResultKind.ofOceanType("configurationLog")).contains(ResultKind.CONFIGURATION_LOG);
    assertThat(ResultKind.ofOceanType("algorithmLog")).contains(ResultKind.ALGORITHM_LOG);
    assertThat(ResultKind.ofOceanType("nope")).isEmpty();
  }
}
