package io.c2d.testkit.conformance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Names the promise a conformance test (or a group of them) checks. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@interface Keeps {
  /** The backend promise; ignored by the verifier kit. */
  ComputeBackendConformanceKit.Promise value();
}
