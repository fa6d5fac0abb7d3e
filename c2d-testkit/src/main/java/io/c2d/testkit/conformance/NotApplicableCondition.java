package io.c2d.testkit.conformance;

import java.lang.reflect.AnnotatedElement;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a conformance test whose {@link Keeps promise} the backend's adapter declared {@link
 * ComputeBackendConformanceKit#notApplicable() not applicable}, with a reason that starts with
 * {@value #PREFIX}: the report shows it as skipped, never as passed, and CI lets through only skips
 * with that prefix.
 */
final class NotApplicableCondition implements ExecutionCondition {
  static final String PREFIX = "not applicable: ";

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<ComputeBackendConformanceKit.Promise> promise = promiseOf(context);
    if (promise.isEmpty() || context.getTestInstances().isEmpty()) {
      return ConditionEvaluationResult.enabled("no declared promise to check");
    }
    Optional<ComputeBackendConformanceKit> kit =
        context.getRequiredTestInstances().findInstance(ComputeBackendConformanceKit.class);
    if (kit.isEmpty()) {
      return ConditionEvaluationResult.enabled("not a backend conformance test");
    }
    Map<ComputeBackendConformanceKit.Promise, String> notApplicable = kit.get().notApplicable();
    String reason = notApplicable.get(promise.get());
    if (reason == null) {
      return ConditionEvaluationResult.enabled(promise.get() + " applies");
    }
    return ConditionEvaluationResult.disabled(
        PREFIX + promise.get().description() + " — " + reason);
  }

  private static Optional<ComputeBackendConformanceKit.Promise> promiseOf(
      ExtensionContext context) {
    Optional<AnnotatedElement> element = context.getElement();
    if (element.isPresent()) {
      Keeps keeps = element.get().getAnnotation(Keeps.class);
      if (keeps != null) {
        return Optional.of(keeps.value());
      }
    }
    Optional<Class<?>> type = context.getTestClass();
    if (type.isPresent()) {
      Keeps keeps = type.get().getAnnotation(Keeps.class);
      if (keeps != null) {
        return Optional.of(keeps.value());
      }
    }
    return Optional.empty();
  }
}
