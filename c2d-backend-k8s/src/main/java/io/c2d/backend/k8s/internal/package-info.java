/**
 * The Kubernetes backend's ServiceLoader registration. This package is internal and is not for
 * public use. Its API is unstable and can change at any time.
 */
@NullMarked
package io.c2d.backend.k8s.internal;

import org.jspecify.annotations.NullMarked;
