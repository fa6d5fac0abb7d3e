package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No fabric8 type in the public API, except the one documented optional client setter. */
final class PublicApiTest {
  @Test
  void publicSignaturesUseOnlyJdkAndC2dTypes() {
    List<String> offending = new ArrayList<>();
    for (Class<?> type :
        List.of(
            KubernetesComputeBackend.class,
            KubernetesComputeBackend.Builder.class,
            ObjectNames.class)) {
      for (Method method : type.getDeclaredMethods()) {
        if (!Modifier.isPublic(method.getModifiers())) {
          continue;
        }
        if (method.getName().equals("client")
            && method.getDeclaringClass() == KubernetesComputeBackend.Builder.class) {
          continue; // the documented exception: "we never close a client we did not create"
        }
        List<Type> types = new ArrayList<>(List.of(method.getGenericParameterTypes()));
        types.add(method.getGenericReturnType());
        for (Type t : types) {
          String name = t.getTypeName();
          if (!name.matches("(java\\.|io\\.c2d\\.|void|boolean|int|long)[^<]*(<.*>)?")
              || name.contains("fabric8")) {
            offending.add(type.getSimpleName() + "." + method.getName() + ": " + name);
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }
}
