package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Lists the types a jar's public API exposes that come from outside an allowed set of packages, so
 * a library (or a backend plugin) can keep its dependencies out of its users' code: a test asserts
 * that {@link #leaks()} is empty.
 *
 * <pre>{@code
 * ApiSurface surface = ApiSurface.of(MyBackend.class, "java.", "io.c2d.", "com.example.mybackend.");
 * assertThat(surface.leaks()).isEmpty();
 * }</pre>
 *
 * <p>It reads every class of the jar or class directory {@code anchor} was loaded from, keeps the
 * public ones (public all the way out), and checks the generic types of their public and protected
 * methods, constructors, fields, supertypes and thrown exceptions. Immutable and thread-safe.
 */
public final class ApiSurface {
  private final List<Class<?>> publicTypes;
  private final Set<String> leaks;

  private ApiSurface(List<Class<?>> publicTypes, Set<String> leaks) {
    this.publicTypes = List.copyOf(publicTypes);
    this.leaks = java.util.Collections.unmodifiableSet(leaks);
  }

  /**
   * Reads the public API of the jar or directory {@code anchor} came from.
   *
   * @param allowedPrefixes package prefixes of the types that may appear, such as {@code "java."}
   * @throws IllegalStateException if the classes cannot be read
   */
  public static ApiSurface of(Class<?> anchor, String... allowedPrefixes) {
    requireNonNull(anchor, "anchor");
    List<Class<?>> types = publicTypesBeside(anchor);
    Set<String> leaks = new TreeSet<>();
    for (Class<?> type : types) {
      check(type.getGenericSuperclass(), type.getName() + " extends", allowedPrefixes, leaks);
      for (Type implemented : type.getGenericInterfaces()) {
        check(implemented, type.getName() + " implements", allowedPrefixes, leaks);
      }
      for (Method method : type.getDeclaredMethods()) {
        if (visible(method.getModifiers()) && !method.isSynthetic()) {
          String where = type.getName() + "." + method.getName();
          check(method.getGenericReturnType(), where, allowedPrefixes, leaks);
          checkSignature(method, where, allowedPrefixes, leaks);
        }
      }
      for (Constructor<?> constructor : type.getDeclaredConstructors()) {
        if (visible(constructor.getModifiers())) {
          checkSignature(constructor, type.getName() + ".<init>", allowedPrefixes, leaks);
        }
      }
      for (Field field : type.getDeclaredFields()) {
        if (visible(field.getModifiers())) {
          check(
              field.getGenericType(),
              type.getName() + "." + field.getName(),
              allowedPrefixes,
              leaks);
        }
      }
    }
    return new ApiSurface(types, leaks);
  }

  /** The public types read. */
  public List<Class<?>> publicTypes() {
    return publicTypes;
  }

  /**
   * Each place a type from outside the allowed packages appears, such as {@code "a.B.m uses x.Y"}.
   */
  public Set<String> leaks() {
    return leaks;
  }

  private static List<Class<?>> publicTypesBeside(Class<?> anchor) {
    try {
      Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(location)) {
        return publicTypesIn(location, anchor.getClassLoader());
      }
      try (FileSystem jar = FileSystems.newFileSystem(location)) {
        return publicTypesIn(jar.getPath("/"), anchor.getClassLoader());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + anchor, e);
    }
  }

  private static List<Class<?>> publicTypesIn(Path root, ClassLoader loader) throws IOException {
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
        String relative = root.relativize(file).toString();
        if (relative.startsWith("META-INF")
            || relative.endsWith("package-info.class")
            || relative.endsWith("module-info.class")) {
          continue;
        }
        String name =
            relative.replace('/', '.').substring(0, relative.length() - ".class".length());
        try {
          Class<?> type = Class.forName(name, false, loader);
          if (isVisible(type)) {
            types.add(type);
          }
        } catch (ClassNotFoundException | LinkageError e) {
          throw new IllegalStateException("cannot load " + name, e);
        }
      }
    }
    return types;
  }

  private static void checkSignature(
      Executable executable, String where, String[] allowed, Set<String> leaks) {
    for (Type parameter : executable.getGenericParameterTypes()) {
      check(parameter, where + "(...)", allowed, leaks);
    }
    for (Type thrown : executable.getGenericExceptionTypes()) {
      check(thrown, where + " throws", allowed, leaks);
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

  private static void check(Type type, String where, String[] allowed, Set<String> leaks) {
    if (type instanceof Class<?> c) {
      Class<?> element = c;
      while (element.isArray()) {
        element = element.getComponentType();
      }
      if (!element.isPrimitive() && !startsWithAny(element.getName(), allowed)) {
        leaks.add(where + " uses " + element.getName());
      }
    } else if (type instanceof ParameterizedType p) {
      check(p.getRawType(), where, allowed, leaks);
      for (Type argument : p.getActualTypeArguments()) {
        check(argument, where, allowed, leaks);
      }
    } else if (type instanceof WildcardType w) {
      for (Type bound : w.getUpperBounds()) {
        check(bound, where, allowed, leaks);
      }
      for (Type bound : w.getLowerBounds()) {
        check(bound, where, allowed, leaks);
      }
    } else if (type instanceof GenericArrayType a) {
      check(a.getGenericComponentType(), where, allowed, leaks);
    } else if (type instanceof TypeVariable<?> v) {
      for (Type bound : v.getBounds()) {
        check(bound, where, allowed, leaks);
      }
    }
  }

  private static boolean startsWithAny(String name, String[] prefixes) {
    for (String prefix : prefixes) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
