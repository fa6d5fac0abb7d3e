package io.c2d.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.InvalidRequestException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ResultPolicyTest {

  @Test
  void parsesFiltersWithParametersAndTheReviewFlag() {
    ResultPolicy policy =
        ResultPolicy.parse(
            "{\"review\": true, \"filters\": [{\"name\": \"allow-list\", \"parameters\":"
                + " {\"types\": \"csv\", \"maxBytes\": 100, \"strict\": true}}, {\"name\":"
                + " \"copy-guard\"}]}",
            "resultFilters");

    assertThat(policy.review()).isTrue();
    assertThat(policy.filters())
        .containsExactly(
            new ResultPolicy.Filter(
                "allow-list", Map.of("types", "csv", "maxBytes", "100", "strict", "true")),
            ResultPolicy.Filter.named("copy-guard"));
  }

  @Test
  void thePublishersChainRunsBeforeTheAssetsAndEitherMayAskForReview() {
    ResultPolicy publisher = ResultPolicy.of(List.of(ResultPolicy.Filter.named("a")), false);
    ResultPolicy asset = ResultPolicy.of(List.of(ResultPolicy.Filter.named("b")), true);

    ResultPolicy both = publisher.then(asset);

    assertThat(both.filters()).extracting(ResultPolicy.Filter::name).containsExactly("a", "b");
    assertThat(both.review()).isTrue();
    assertThat(ResultPolicy.NONE.then(publisher)).isEqualTo(publisher);
  }

  @Test
  void aDdosResultFiltersAreItsComputePolicys() {
    String ddo =
        "{\"services\": [{\"id\": \"c\", \"type\": \"compute\", \"compute\": {\"resultFilters\":"
            + " {\"filters\": [{\"name\": \"allow-list\"}]}}}]}";

    assertThat(ComputePolicy.fromDdo(ddo, "c", "ddo").resultPolicy().filters())
        .containsExactly(ResultPolicy.Filter.named("allow-list"));
    assertThatThrownBy(
            () ->
                ComputePolicy.fromDdo(
                    ddo.replace("\"allow-list\"", "\"Bad Name\""), "c", "datasets[0].ddo"))
        .isInstanceOf(InvalidRequestException.class)
        .satisfies(
            e ->
                assertThat(((InvalidRequestException) e).field())
                    .isEqualTo("datasets[0].ddo.compute.resultFilters.filters[0].name"));
  }

  @Test
  void malformedPoliciesAreRefusedNamingTheField() {
    assertField("[]", "f");
    assertField("not json", "f");
    assertField("{\"review\": \"yes\"}", "f.review");
    assertField("{\"filters\": {}}", "f.filters");
    assertField("{\"filters\": [3]}", "f.filters[0]");
    assertField(
        "{\"filters\": [{\"name\": \"a\", \"parameters\": []}]}", "f.filters[0].parameters");
    assertField(
        "{\"filters\": [{\"name\": \"a\", \"parameters\": {\"k\": {}}}]}",
        "f.filters[0].parameters.k");
    assertField(
        "{\"filters\": [" + "{\"name\": \"a\"},".repeat(16) + "{\"name\": \"a\"}]}", "f.filters");
  }

  private static void assertField(String json, String field) {
    assertThatThrownBy(() -> ResultPolicy.parse(json, "f"))
        .as(json)
        .isInstanceOf(InvalidRequestException.class)
        .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo(field));
  }
}
