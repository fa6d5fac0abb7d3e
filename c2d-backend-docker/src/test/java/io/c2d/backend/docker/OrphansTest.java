package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.ListVolumesResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.model.Container;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Orphans} against an engine that refuses one removal: the restart harness saw dockerd
 * answer 409 "removal of container ... is already in progress" for a container a killed instance
 * had asked to remove, and the whole recovery failed with it, so the restarted engine lost every
 * job the backend held.
 */
final class OrphansTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INSTANCE = "orphans-test";

  @Test
  void aContainerThatCannotBeRemovedIsLeftAndTheOthersAreStillRemoved() {
    List<String> removed = new ArrayList<>();
    DockerClient docker =
        engine(
            List.of(container("busy", "job-a"), container("idle", "job-b")),
            id -> {
              if (id.equals("busy")) {
                throw new ConflictException(
                    "removal of container " + id + " is already in progress");
              }
              removed.add(id);
            });

    Orphans.remove(docker, INSTANCE, job -> false);

    assertThat(removed).containsExactly("idle");
  }

  @Test
  void aJobUnderWayKeepsItsContainer() {
    List<String> removed = new ArrayList<>();
    DockerClient docker =
        engine(List.of(container("running", "job-a"), container("left", "job-b")), removed::add);

    Orphans.remove(docker, INSTANCE, job -> job.equals("job-a"));

    assertThat(removed).containsExactly("left");
  }

  private static Container container(String id, String job) {
    return JSON.convertValue(
        Map.of(
            "Id",
            id,
            "Labels",
            Map.of(
                Labels.MANAGED_BY, Labels.MANAGER, Labels.INSTANCE, INSTANCE, Labels.JOB_ID, job)),
        Container.class);
  }

  /** An engine that lists {@code containers} and no volume, and removes with {@code remove}. */
  private static DockerClient engine(List<Container> containers, Consumer<String> remove) {
    ListVolumesResponse noVolumes =
        JSON.convertValue(Map.of("Volumes", List.of()), ListVolumesResponse.class);
    return (DockerClient)
        Proxy.newProxyInstance(
            OrphansTest.class.getClassLoader(),
            new Class<?>[] {DockerClient.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "listContainersCmd" -> command(method.getReturnType(), () -> containers);
                  case "listVolumesCmd" -> command(method.getReturnType(), () -> noVolumes);
                  case "removeContainerCmd" ->
                      command(
                          method.getReturnType(),
                          () -> {
                            remove.accept((String) args[0]);
                            return null;
                          });
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  /**
   * A docker-java command whose {@code with...} methods chain and whose exec answers {@code exec}.
   */
  private static Object command(Class<?> type, Supplier<Object> exec) {
    return Proxy.newProxyInstance(
        OrphansTest.class.getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> {
          if (method.getName().equals("exec")) {
            return exec.get();
          }
          if (method.getReturnType().isAssignableFrom(type)) {
            return proxy;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}
