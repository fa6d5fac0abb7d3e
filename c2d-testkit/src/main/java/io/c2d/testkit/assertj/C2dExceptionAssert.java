package io.c2d.testkit.assertj;

import io.c2d.C2dException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import org.assertj.core.api.AbstractThrowableAssert;

/**
 * Assertions on a {@link C2dException}; get one from {@link
 * C2dAssertions#assertThat(C2dException)}. Not thread-safe.
 */
public final class C2dExceptionAssert
    extends AbstractThrowableAssert<C2dExceptionAssert, C2dException> {

  C2dExceptionAssert(C2dException actual) {
    super(actual, C2dExceptionAssert.class);
  }

  /** The failure has {@code code}. */
  public C2dExceptionAssert hasCode(ErrorCode code) {
    isNotNull();
    if (actual.code() != code) {
      failWithMessage(
          "Expected failure with code <%s> but was <%s>: %s",
          code, actual.code(), actual.getMessage());
    }
    return this;
  }

  /** The failure is an {@link InvalidRequestException} naming {@code field}. */
  public C2dExceptionAssert hasField(String field) {
    isNotNull();
    if (!(actual instanceof InvalidRequestException invalid)) {
      failWithMessage("Expected an invalid-request failure naming <%s> but was %s", field, actual);
      return this;
    }
    if (!invalid.field().equals(field)) {
      failWithMessage(
          "Expected the failure to name field <%s> but it named <%s>", field, invalid.field());
    }
    return this;
  }
}
