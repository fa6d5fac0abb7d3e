package io.c2d.testkit.junit;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one condition behind {@link Requires}: checks each named {@link RealPart} once per JVM, then
 * enables the test, skips it loudly, or (under {@code CI=true}) fails it. Thread-safe.
 */
final class RealPartCondition implements ExecutionCondition {
  private static final Logger logger = LoggerFactory.getLogger(RealPartCondition.class);
  private static final Object LOCK = new Object();

  /** Each part's answer: empty when present, else the problem. Guarded by LOCK. */
  private static final Map<Class<? extends RealPart>, Answer> ANSWERS = new HashMap<>();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<AnnotatedElement> element = context.getElement();
    Requires requires = element.isPresent() ? element.get().getAnnotation(Requires.class) : null;
    if (requires == null) {
      return ConditionEvaluationResult.enabled("no @Requires here");
    }
    StringBuilder present = new StringBuilder();
    for (Class<? extends RealPart> type : requires.value()) {
      Answer answer = answer(type);
      if (answer.problem != null) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          throw new IllegalStateException(
              "CI=true but "
                  + answer.name
                  + " is missing, so "
                  + context.getDisplayName()
                  + " cannot run: "
                  + answer.problem
                  + " ("
                  + answer.remedy
                  + ")");
        }
        String reason = "SKIPPED, " + answer.name + " is missing: " + answer.problem;
        logger.warn("{}: {}", context.getDisplayName(), reason);
        return ConditionEvaluationResult.disabled(reason);
      }
      present.append(present.length() == 0 ? "" : ", ").append(answer.name);
    }
    return ConditionEvaluationResult.enabled("present: " + present);
  }

  private static Answer answer(Class<? extends RealPart> type) {
    synchronized (LOCK) {
      Answer known = ANSWERS.get(type);
      if (known == null) {
        known = check(type);
        ANSWERS.put(type, known);
      }
      return known;
    }
  }

  private static Answer check(Class<? extends RealPart> type) {
    RealPart part;
    try {
      Constructor<? extends RealPart> constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
      part = constructor.newInstance();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new Answer(
          type.getSimpleName(),
          "cannot create " + type.getName() + " (" + e + ")",
          "give it a no-argument constructor");
    }
    String problem;
    try {
      problem = part.problem();
    } catch (RuntimeException e) {
      problem = "checking it failed: " + e;
    }
    return new Answer(part.name(), problem, part.remedy());
  }

  private record Answer(String name, @Nullable String problem, String remedy) {}
}
