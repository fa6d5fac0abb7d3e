package io.c2d.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class or method only where the {@link RealPart}s named are present. A
 * missing part FAILS the test when the environment variable {@code CI} is {@code true} (CI installs
 * every part, so a missing one is a broken machine, never a reason to pass); elsewhere the test is
 * skipped with a reason that starts with {@code "SKIPPED, <part> is missing"} and a warning in the
 * log, so that a developer's run says loudly what it did not test.
 *
 * <pre>{@code
 * @Requires(DockerEngine.class)
 * final class MyDockerTest { ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(RealPartCondition.class)
public @interface Requires {
  /** The parts the test needs, checked in order. */
  Class<? extends RealPart>[] value();
}
