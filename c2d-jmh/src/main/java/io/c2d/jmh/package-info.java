/**
 * JMH benchmarks of c2d's scheduling path. Build with {@code ./mvnw -q -DskipTests package -pl
 * c2d-jmh -am}, then run {@code java -jar c2d-jmh/target/benchmarks.jar}.
 */
@NullMarked
package io.c2d.jmh;

import org.jspecify.annotations.NullMarked;
