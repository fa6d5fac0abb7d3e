package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class ObjectNamesTest {
  private static final Pattern DNS_1123_LABEL =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]?");
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

  @Test
  void namesAreValidKubernetesNamesAndStable() {
    JobId id = JobId.derive(OWNER, "nonce:1");
    ObjectNames names = ObjectNames.of(id);

    for (String name : new String[] {names.job(), names.spec(), names.networkPolicy()}) {
      assertThat(name).matches(DNS_1123_LABEL);
    }
    assertThat(ObjectNames.of(JobId.derive(OWNER, "nonce:1")).job()).isEqualTo(names.job());
  }

  @Test
  void differentJobsGetDifferentNames() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      assertThat(seen.add(ObjectNames.of(JobId.derive(OWNER, "nonce:" + i)).job())).isTrue();
    }
  }

  @Test
  void labelsAreValidLabelValuesAndSelectTheJob() {
    ObjectNames names = ObjectNames.of(JobId.derive(OWNER, "r-1"));

    var labels = names.labels(OWNER, "cpu-small");

    assertThat(labels.values())
        .allSatisfy(value -> assertThat(value).matches(LABEL_VALUE).hasSizeLessThanOrEqualTo(63));
    assertThat(labels).containsEntry(ObjectNames.MANAGED_BY, "c2d");
    assertThat(names.selector())
        .isEqualTo(
            "app.kubernetes.io/managed-by=c2d,c2d.io/job-id=" + labels.get(ObjectNames.JOB_ID));
  }
}
