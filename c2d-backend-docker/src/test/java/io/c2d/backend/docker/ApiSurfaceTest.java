package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps docker-java's types (and any other third-party type) out of every public signature of
 * c2d-backend-docker, so the backend can change its Docker client without breaking its users.
 */
final class ApiSurfaceTest {

  @Test
  void publicSignaturesUseOnlyJdkAndC2dTypes()
      throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes =
        Path.of(
            DockerComputeBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> publicTypes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
        String name =
            classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
        if (name.endsWith("package-info")) {
          continue;
        }
        Class<?> type = Class.forName(name, false, getClass().getClassLoader());
        if (isVisible(type)) {
          publicTypes.add(type);
        }
      }
    }
    assertThat(publicTypes).hasSizeGreaterThanOrEqualTo(4);

    TreeSet<String> leaks = new TreeSet<>();
    for (Class<?> type : publicTypes) {
      check(type.getGenericSuperclass(), type.getName() + " extends", leaks);
      for (Type implemented : type.getGenericInterfaces()) {
        check(implemented, type.getName() + " implements", leaks);
      }
      for (Method method : type.getDeclaredMethods()) {
        if (visible(method.getModifiers()) && !method.isSynthetic()) {
          check(method.getGenericReturnType(), type.getName() + "." + method.getName(), leaks);
          checkParameters(method, type, leaks);
        }
      }
      for (Constructor<?> constructor : type.getDeclaredConstructors()) {
        if (visible(constructor.getModifiers())) {
          checkParameters(constructor, type, leaks);
        }
      }
      for (Field field : type.getDeclaredFields()) {
        if (visible(field.getModifiers())) {
          check(field.getGenericType(), type.getName() + "." + field.getName(), leaks);
        }
      }
    }
    assertThat(leaks).as("third-party types in c2d-backend-docker's public signatures").isEmpty();
  }

  private static void checkParameters(Executable executable, Class<?> owner, Set<String> leaks) {
    for (Type parameter : executable.getGenericParameterTypes()) {
      check(parameter, owner.getName() + "." + executable.getName() + "(...)", leaks);
    }
    for (Type thrown : executable.getGenericExceptionTypes()) {
      check(thrown, owner.getName() + "." + executable.getName() + " throws", leaks);
    }
  }

  private static boolean isVisible(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(Type type, String where, Set<String> leaks) {
    if (type == null) {
      return;
    }
    if (type instanceof Class<?> c) {
      Class<?> element = c;
      while (element.isArray()) {
        element = element.getComponentType();
      }
      String name = element.getName();
      if (!element.isPrimitive() && !name.startsWith("java.") && !name.startsWith("io.c2d.")) {
        leaks.add(where + " uses " + name);
      }
    } else if (type instanceof ParameterizedType p) {
      check(p.getRawType(), where, leaks);
      for (Type argument : p.getActualTypeArguments()) {
        check(argument, where, leaks);
      }
    } else if (type instanceof WildcardType w) {
      for (Type bound : w.getUpperBounds()) {
        check(bound, where, leaks);
      }
      for (Type bound : w.getLowerBounds()) {
        check(bound, where, leaks);
      }
    } else if (type instanceof GenericArrayType a) {
      check(a.getGenericComponentType(), where, leaks);
    } else if (type instanceof TypeVariable<?> v) {
      for (Type bound : v.getBounds()) {
        check(bound, where, leaks);
      }
    }
  }
}
