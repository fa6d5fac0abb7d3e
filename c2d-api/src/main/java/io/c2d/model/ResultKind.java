package io.c2d.model;

import java.util.Optional;

/**
 * What a job result is, with the type names Ocean clients read in a result's {@code type}.
 *
 * <p>Ocean's operator stack spells the configuration log {@code configrationLog}; ocean-node spells
 * it {@code configurationLog}. c2d writes the latter and reads both.
 */
public enum ResultKind {
  /** A file the algorithm wrote to {@code /data/outputs}. */
  OUTPUT("output"),
  /** The algorithm's standard output and error, {@code algorithm.log}. */
  ALGORITHM_LOG("algorithmLog"),
  /** The staging log, {@code configuration.log}. */
  CONFIGURATION_LOG("configurationLog"),
  /** The collecting and publishing log, {@code publish.log}. */
  PUBLISH_LOG("publishLog");

  private final String oceanType;

  ResultKind(String oceanType) {
    this.oceanType = oceanType;
  }

  /** The Ocean {@code type} string. */
  public String oceanType() {
    return oceanType;
  }

  /**
   * The kind of an Ocean {@code type} string, accepting Ocean's misspelt {@code configrationLog}.
   */
  public static Optional<ResultKind> ofOceanType(String type) {
    if ("configrationLog".equals(type)) {
      return Optional.of(CONFIGURATION_LOG);
    }
    for (ResultKind kind : values()) {
      if (kind.oceanType.equals(type)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
