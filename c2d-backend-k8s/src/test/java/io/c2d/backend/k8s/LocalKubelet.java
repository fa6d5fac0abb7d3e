package io.c2d.backend.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet, Job controller and garbage collector for fabric8's mock server (which runs no
 * controllers) that really runs each pod's containers, so that the conformance kit can run against
 * {@link KubernetesComputeBackend} without a cluster.
 *
 * <p>What it does, the way the real parts do it:
 *
 * <ul>
 *   <li><b>Job controller.</b> For every new {@code batch/v1} Job it creates one pod from the
 *       template (labelled with {@code batch.kubernetes.io/job-name}, owned by the Job), marks the
 *       Job {@code Complete} or {@code Failed}, and enforces {@code activeDeadlineSeconds}: past it
 *       the pod is killed, the Job gets the condition {@code Failed/DeadlineExceeded} and the pod
 *       is deleted.
 *   <li><b>Garbage collector.</b> A deleted Job's pods are deleted; a pod created for a Job that is
 *       gone meanwhile is deleted.
 *   <li><b>Kubelet.</b> The pod's volumes are directories below one directory per pod ({@code
 *       emptyDir}s empty, {@code secret} volumes filled from the Secret's data with their {@code
 *       defaultMode}); the init containers run one after the other, then the regular container,
 *       each as a local process running the container's command with the container's environment
 *       and working directory. The pod's status moves through the phases and container states a
 *       kubelet writes ({@code running}, {@code terminated} with exit code and reason, {@code
 *       waiting/ImagePullBackOff} for an image of a registry under the reserved {@code .invalid}
 *       domain). Each container's standard output and error is its log, served at {@code pods/log}
 *       (through the mock server's expectations: logs come from the kubelet, not from the API
 *       server's storage); the log of a container that never ran is refused with 400, as a kubelet
 *       does. A deleted pod's processes are killed.
 * </ul>
 *
 * <p><b>The stand-in for the container.</b> Images are not pulled: every container runs busybox's
 * applets (the helper image is busybox, and the conformance kit's algorithms are busybox {@code sh}
 * scripts). The container's mount namespace is played by rewriting absolute paths under the
 * top-level directories of the container's mounts ({@code /data}, {@code /c2d}, {@code /tmp}) in
 * its command, arguments, environment and working directory to the pod's directory. A read-only
 * mount is a tree the process cannot write: when the tests run as root, the processes run as the
 * pod's {@code runAsUser}/{@code runAsGroup} (through {@code setpriv}), writable volumes belong to
 * that user and read-only ones to root without write permission; otherwise only the write
 * permissions are taken away. No memory limit is enforced (no cgroups), so OOMKilled is played by
 * {@link KubeletSimulator}, not here; and with no PID namespace the algorithm runs without the
 * {@link Containment} supervisor (which must be a namespace's process 1).
 *
 * <p>Thread-safe. One thread per pod; {@link #close()} kills every process it started.
 */
final class LocalKubelet implements AutoCloseable {
  static final String JOB_NAME = "batch.kubernetes.io/job-name";
  private static final Logger log = LoggerFactory.getLogger(LocalKubelet.class);
  private static final Pattern LOCAL_PATH = Pattern.compile("[^A-Za-z0-9._/-]");

  private final KubernetesClient client;
  private final KubernetesMockServer server;
  private final Path root;
  private final @Nullable Path busybox;
  private final Path bin;
  private final boolean asPodUser;
  private final ExecutorService podThreads;
  private final ScheduledExecutorService controller;
  private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final Object expectationLock = new Object();
  private final AtomicInteger podCount = new AtomicInteger();

  private LocalKubelet(KubernetesClient client, KubernetesMockServer server, Path root)
      throws IOException {
    this.client = client;
    this.server = server;
    this.root = root;
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    this.busybox = findBusybox();
    this.bin = Files.createDirectories(root.resolve("bin"));
    if (busybox != null) {
      for (String applet : applets(busybox)) {
        Files.createSymbolicLink(bin.resolve(applet), busybox);
      }
    }
    this.asPodUser = isRoot() && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    AtomicInteger threads = new AtomicInteger();
    this.podThreads =
        Executors.newCachedThreadPool(
            r -> daemon(r, "local-kubelet-pod-" + threads.incrementAndGet()));
    this.controller =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "local-job-controller"));
  }

  /**
   * Starts playing the cluster's controllers and kubelet for every namespace of {@code client}'s
   * server, keeping the pods' directories below {@code root}.
   */
  static LocalKubelet start(KubernetesClient client, KubernetesMockServer server, Path root)
      throws IOException {
    LocalKubelet kubelet = new LocalKubelet(client, server, root);
    kubelet.informers.add(
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<Job>() {
                  @Override
                  public void onAdd(Job job) {
                    kubelet.jobAdded(job);
                  }

                  @Override
                  public void onUpdate(Job oldJob, Job newJob) {}

                  @Override
                  public void onDelete(Job job, boolean finalStateUnknown) {
                    kubelet.jobDeleted(job);
                  }
                }));
    kubelet.informers.add(
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<Pod>() {
                  @Override
                  public void onAdd(Pod pod) {}

                  @Override
                  public void onUpdate(Pod oldPod, Pod newPod) {}

                  @Override
                  public void onDelete(Pod pod, boolean finalStateUnknown) {
                    kubelet.podDeleted(pod);
                  }
                }));
    return kubelet;
  }

  /**
   * Whether the containers run as the pods' {@code runAsUser} (the tests run as root and {@code
   * setpriv} exists); if the tests run as another user, the containers run as that user.
   */
  boolean runsAsPodUser() {
    return asPodUser || !isRoot();
  }

  /** How many pods this kubelet has created. */
  int podsCreated() {
    return podCount.get();
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    runs.values().forEach(run -> run.cancel("the kubelet stops"));
    podThreads.shutdownNow();
    controller.shutdownNow();
  }

  // ------------------------------------------------------------------ controllers

  private static String key(String namespace, String jobName) {
    return namespace + "/" + jobName;
  }

  private void jobAdded(Job job) {
    if (job.getStatus() != null && job.getStatus().getConditions() != null) {
      if (!job.getStatus().getConditions().isEmpty()) {
        return; // finished before this kubelet started
      }
    }
    String key = key(job.getMetadata().getNamespace(), job.getMetadata().getName());
    PodRun run = new PodRun(job);
    if (runs.putIfAbsent(key, run) == null) {
      podThreads.execute(run);
    }
  }

  private void jobDeleted(Job job) {
    String namespace = job.getMetadata().getNamespace();
    PodRun run = runs.remove(key(namespace, job.getMetadata().getName()));
    if (run != null) {
      run.cancel("its Job was deleted");
    }
    // The garbage collector removes what the Job owned.
    client.pods().inNamespace(namespace).withLabel(JOB_NAME, job.getMetadata().getName()).delete();
  }

  private void podDeleted(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String jobName = labels == null ? null : labels.get(JOB_NAME);
    if (jobName == null) {
      return;
    }
    PodRun run = runs.get(key(pod.getMetadata().getNamespace(), jobName));
    if (run != null && pod.getMetadata().getName().equals(run.podName)) {
      run.cancel("its pod was deleted");
    }
  }

  // ------------------------------------------------------------------ exec

  /**
   * {@code pods/exec} into the pods this kubelet runs: the command runs as a local process the way
   * the container's own command does (its user, its paths rewritten to the pod's directory).
   */
  PodExec exec() {
    return new PodExec() {
      @Override
      public int send(
          String pod,
          String container,
          String command,
          java.io.InputStream input,
          java.time.Duration timeout)
          throws IOException {
        Process process = start(pod, container, command, ProcessBuilder.Redirect.DISCARD);
        try (java.io.OutputStream in = process.getOutputStream()) {
          input.transferTo(in);
        } catch (IOException e) {
          // the command ended before it read all of its input: its exit code tells
        }
        return await(process, timeout);
      }

      @Override
      public Output output(String pod, String container, String command) throws IOException {
        Process process = start(pod, container, command, ProcessBuilder.Redirect.PIPE);
        return new Output() {
          @Override
          public java.io.InputStream stream() {
            return process.getInputStream();
          }

          @Override
          public int exitCode(java.time.Duration timeout) throws IOException {
            return await(process, timeout);
          }

          @Override
          public String error() {
            return "";
          }

          @Override
          public void close() throws IOException {
            process.getInputStream().close();
            if (process.isAlive()) {
              kill(process);
            }
          }
        };
      }

      @Override
      public int run(String pod, String container, String command, java.time.Duration timeout)
          throws IOException {
        return await(start(pod, container, command, ProcessBuilder.Redirect.DISCARD), timeout);
      }
    };
  }

  private Process start(
      String pod, String container, String command, ProcessBuilder.Redirect output)
      throws IOException {
    PodRun run = runs.values().stream().filter(r -> r.podName.equals(pod)).findFirst().orElse(null);
    PodSpec spec = run == null ? null : run.spec;
    if (run == null || spec == null || run.isCancelled()) {
      throw new IOException("pod " + pod + " is not running");
    }
    List<Container> all = new ArrayList<>(spec.getInitContainers());
    all.addAll(spec.getContainers());
    Container target =
        all.stream()
            .filter(c -> c.getName().equals(container))
            .findFirst()
            .orElseThrow(() -> new IOException("no container " + container + " in " + pod));
    SecurityContext security = target.getSecurityContext();
    Long uid = firstNonNull(security == null ? null : security.getRunAsUser(), podUser(spec));
    Long gid =
        firstNonNull(
            security == null ? null : security.getRunAsGroup(),
            spec.getSecurityContext() == null ? null : spec.getSecurityContext().getRunAsGroup());
    List<String> argv = new ArrayList<>();
    if (asPodUser && uid != null) {
      argv.addAll(
          List.of(
              "/usr/bin/setpriv",
              "--reuid=" + uid,
              "--regid=" + (gid == null ? uid : gid),
              "--clear-groups",
              "--no-new-privs",
              "--"));
    }
    argv.add(run.executable("sh"));
    argv.add("-c");
    argv.add(run.rewrite(command));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .directory(run.podDir.toFile())
            .redirectOutput(output)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().clear();
    builder.environment().put("PATH", busybox != null ? bin.toString() : "/usr/bin:/bin");
    return builder.start();
  }

  private static int await(Process process, java.time.Duration timeout) throws IOException {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new IOException("an exec did not end within " + timeout);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
      throw new java.io.InterruptedIOException("interrupted");
    }
  }

  // ------------------------------------------------------------------ one pod

  /** The life of one Job's pod, on a thread of its own. */
  private final class PodRun implements Runnable {
    final String namespace;
    final String jobName;
    final String podName;
    final Path podDir;
    final CountDownLatch cancelled = new CountDownLatch(1);
    final List<ContainerStatus> initStatuses = new ArrayList<>();
    final List<ContainerStatus> mainStatuses = new ArrayList<>();
    final Map<String, Path> volumeDirs = new LinkedHashMap<>();
    volatile @Nullable PodSpec spec;
    volatile @Nullable Process process;
    volatile @Nullable String cancelReason;

    PodRun(Job job) {
      this.namespace = job.getMetadata().getNamespace();
      this.jobName = job.getMetadata().getName();
      this.podName = jobName + "-" + Integer.toString(podCount.incrementAndGet() + 36 * 36, 36);
      this.podDir = root.resolve(namespace).resolve(podName);
    }

    boolean isCancelled() {
      return cancelled.getCount() == 0;
    }

    void cancel(String why) {
      if (cancelReason == null) {
        cancelReason = why;
      }
      cancelled.countDown();
      Process running = process;
      if (running != null) {
        kill(running);
      }
    }

    @Override
    public void run() {
      try {
        Job job = job();
        if (job == null) {
          return;
        }
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        if (deadline != null) {
          @SuppressWarnings("unused")
          Object unused = controller.schedule(this::deadlineExceeded, deadline, TimeUnit.SECONDS);
        }
        Pod pod = createPod(job);
        if (job() == null) {
          deletePod(); // the Job went while its pod was being made: the garbage collector's part
          return;
        }
        PodSpec spec = pod.getSpec();
        this.spec = spec;
        prepareVolumes(spec);
        setStatus("Pending", null, null);
        for (Container init : spec.getInitContainers()) {
          if (isCancelled()) {
            return;
          }
          int exit = runContainer(spec, init, initStatuses);
          if (exit != 0) {
            refuseLogsOfTheRest(spec, init.getName());
            setStatus("Failed", null, null);
            markJob("Failed", "BackoffLimitExceeded");
            return;
          }
        }
        for (Container main : spec.getContainers()) {
          if (isCancelled()) {
            return;
          }
          int exit = runContainer(spec, main, mainStatuses);
          if (exit != 0) {
            setStatus("Failed", null, null);
            markJob("Failed", "BackoffLimitExceeded");
            return;
          }
        }
        setStatus("Succeeded", null, null);
        markJob("Complete", null);
      } catch (KubernetesClientException | IOException | InterruptedException e) {
        if (!isCancelled()) {
          log.warn("local kubelet: pod {}/{} broke", namespace, podName, e);
        }
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      } finally {
        Process running = process;
        if (running != null) {
          kill(running);
        }
        deleteTree(podDir);
      }
    }

    @Nullable Job job() {
      return client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    }

    Pod createPod(Job job) {
      Map<String, String> labels =
          new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
      labels.put(JOB_NAME, jobName);
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(podName)
              .withNamespace(namespace)
              .withLabels(labels)
              .addNewOwnerReference()
              .withApiVersion("batch/v1")
              .withKind("Job")
              .withName(jobName)
              .withUid(job.getMetadata().getUid() == null ? "uid" : job.getMetadata().getUid())
              .withController(true)
              .withBlockOwnerDeletion(true)
              .endOwnerReference()
              .endMetadata()
              .withSpec(job.getSpec().getTemplate().getSpec())
              .build();
      return client.pods().inNamespace(namespace).resource(pod).create();
    }

    void deletePod() {
      client.pods().inNamespace(namespace).withName(podName).delete();
    }

    /** The Job controller, at {@code activeDeadlineSeconds}. */
    void deadlineExceeded() {
      if (isCancelled() || runs.get(key(namespace, jobName)) != this) {
        return;
      }
      try {
        Job job = job();
        if (job == null || finished(job)) {
          return;
        }
        cancel("the Job's deadline passed");
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .resource(
                new JobBuilder(job)
                    .withNewStatus()
                    .withFailed(1)
                    .addNewCondition()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason("DeadlineExceeded")
                    .withMessage("Job was active longer than specified deadline")
                    .endCondition()
                    .endStatus()
                    .build())
            .updateStatus();
        deletePod();
      } catch (KubernetesClientException e) {
        log.warn("local job controller: deadline of {}/{} not recorded", namespace, jobName, e);
      }
    }

    void markJob(String type, @Nullable String reason) {
      Job job = job();
      if (job == null || isCancelled()) {
        return;
      }
      boolean failed = type.equals("Failed");
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .resource(
              new JobBuilder(job)
                  .withNewStatus()
                  .withSucceeded(failed ? 0 : 1)
                  .withFailed(failed ? 1 : 0)
                  .addNewCondition()
                  .withType(type)
                  .withStatus("True")
                  .withReason(reason)
                  .endCondition()
                  .endStatus()
                  .build())
          .updateStatus();
    }

    void setStatus(String phase, @Nullable ContainerStatus current, @Nullable Boolean init) {
      if (isCancelled()) {
        return;
      }
      List<ContainerStatus> inits = new ArrayList<>(initStatuses);
      List<ContainerStatus> mains = new ArrayList<>(mainStatuses);
      if (current != null) {
        (Boolean.TRUE.equals(init) ? inits : mains).add(current);
      }
      client
          .pods()
          .inNamespace(namespace)
          .withName(podName)
          .editStatus(
              p ->
                  new PodBuilder(p)
                      .withStatus(
                          new PodStatusBuilder()
                              .withPhase(phase)
                              .withInitContainerStatuses(inits)
                              .withContainerStatuses(mains)
                              .build())
                      .build());
    }

    // ---------------------------------------------------------------- volumes

    void prepareVolumes(PodSpec spec) throws IOException {
      Map<String, Volume> volumes = new LinkedHashMap<>();
      spec.getVolumes().forEach(v -> volumes.put(v.getName(), v));
      List<Container> all = new ArrayList<>(spec.getInitContainers());
      all.addAll(spec.getContainers());
      for (Container container : all) {
        for (VolumeMount mount : container.getVolumeMounts()) {
          if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
            continue; // a part of a volume mounted elsewhere: same directory, below its root
          }
          Path dir = local(mount.getMountPath());
          Path known = volumeDirs.putIfAbsent(mount.getName(), dir);
          if (known != null && !known.equals(dir)) {
            throw new IllegalStateException(
                "the local kubelet needs each volume at one path; "
                    + mount.getName()
                    + " is at "
                    + known
                    + " and "
                    + dir);
          }
        }
      }
      makeDirectories(podDir);
      for (Map.Entry<String, Path> entry : volumeDirs.entrySet()) {
        Path dir = entry.getValue();
        makeDirectories(dir);
        Volume volume = volumes.get(entry.getKey());
        if (volume == null) {
          throw new IllegalStateException("no volume " + entry.getKey() + " in pod " + podName);
        }
        if (volume.getSecret() != null) {
          Secret secret =
              client
                  .secrets()
                  .inNamespace(namespace)
                  .withName(volume.getSecret().getSecretName())
                  .get();
          if (secret == null) {
            throw new IOException("no Secret " + volume.getSecret().getSecretName());
          }
          int mode =
              volume.getSecret().getDefaultMode() == null
                  ? 0644
                  : volume.getSecret().getDefaultMode();
          for (Map.Entry<String, String> data : secret.getData().entrySet()) {
            Path file = dir.resolve(data.getKey());
            Files.write(file, Base64.getDecoder().decode(data.getValue()));
            Files.setPosixFilePermissions(file, permissions(mode));
          }
        }
      }
    }

    /** The pod directory's stand-in for an absolute path in the container. */
    Path local(String containerPath) {
      if (!containerPath.startsWith("/") || LOCAL_PATH.matcher(containerPath).find()) {
        throw new IllegalArgumentException("unexpected container path " + containerPath);
      }
      return podDir.resolve(containerPath.substring(1)).normalize();
    }

    /** Makes {@code container}'s mounts writable or read-only, as its volume mounts say. */
    void mountFor(Container container, @Nullable Long uid, @Nullable Long gid) throws IOException {
      for (VolumeMount mount : container.getVolumeMounts()) {
        Path dir = local(mount.getMountPath());
        if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
          Path base = volumeDirs.get(mount.getName());
          if (base == null || !base.resolve(mount.getSubPath()).normalize().equals(dir)) {
            throw new IllegalStateException(
                "the local kubelet needs a subPath mount where the volume's part is: "
                    + mount.getMountPath());
          }
          makeDirectories(dir);
        }
        boolean readOnly = Boolean.TRUE.equals(mount.getReadOnly());
        try (Stream<Path> tree = Files.walk(dir)) {
          for (Path p : tree.toList()) {
            if (Files.isSymbolicLink(p)) {
              continue;
            }
            if (asPodUser) {
              Files.setAttribute(
                  p, "unix:uid", readOnly || uid == null ? 0 : uid.intValue(), NOFOLLOW);
              Files.setAttribute(
                  p, "unix:gid", readOnly || gid == null ? 0 : gid.intValue(), NOFOLLOW);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, NOFOLLOW);
            if (readOnly) {
              perms.removeAll(
                  EnumSet.of(
                      PosixFilePermission.OWNER_WRITE,
                      PosixFilePermission.GROUP_WRITE,
                      PosixFilePermission.OTHERS_WRITE));
            } else {
              perms.add(PosixFilePermission.OWNER_WRITE);
            }
            Files.setPosixFilePermissions(p, perms);
          }
        }
      }
    }

    // ---------------------------------------------------------------- containers

    /** Runs one container to its end; returns its exit code (-1 if it never ran). */
    int runContainer(PodSpec spec, Container container, List<ContainerStatus> statuses)
        throws IOException, InterruptedException {
      boolean init = statuses == initStatuses;
      String name = container.getName();
      if (unpullable(container.getImage())) {
        ContainerStatus waiting =
            new ContainerStatusBuilder()
                .withName(name)
                .withImage(container.getImage())
                .withNewState()
                .withNewWaiting()
                .withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image \"" + container.getImage() + "\"")
                .endWaiting()
                .endState()
                .build();
        refuseLog(name, "is waiting to start: trying and failing to pull image");
        setStatus(init ? "Pending" : "Running", waiting, init);
        cancelled.await(); // a kubelet keeps backing off until the pod goes
        return -1;
      }
      PodSecurityContext podSecurity = spec.getSecurityContext();
      SecurityContext security = container.getSecurityContext();
      Long uid = firstNonNull(security == null ? null : security.getRunAsUser(), podUser(spec));
      Long gid =
          firstNonNull(
              security == null ? null : security.getRunAsGroup(),
              podSecurity == null ? null : podSecurity.getRunAsGroup());
      Long fsGroup = podSecurity == null ? null : podSecurity.getFsGroup();
      // the mounts are in place before the container is seen running (an exec may come at once)
      mountFor(container, uid, fsGroup != null ? fsGroup : gid);
      setStatus(init ? "Pending" : "Running", KubeletSimulator.running(name), init);

      List<String> command = new ArrayList<>();
      if (asPodUser && uid != null) {
        command.addAll(
            List.of(
                "/usr/bin/setpriv",
                "--reuid=" + uid,
                "--regid=" + (gid == null ? uid : gid),
                "--clear-groups",
                "--no-new-privs",
                "--"));
      }
      List<String> argv = new ArrayList<>();
      if (container.getCommand() != null) {
        argv.addAll(container.getCommand());
      }
      if (container.getArgs() != null) {
        argv.addAll(container.getArgs());
      }
      if (argv.isEmpty()) {
        throw new IllegalStateException("container " + name + " has no command");
      }
      int launcher = argv.indexOf(Containment.LAUNCHER);
      if (launcher == 3 && argv.size() > launcher + Containment.ARGUMENTS + 1) {
        // the algorithm's supervisor must be process 1 of a PID namespace of its own, which a
        // local process is not: run the algorithm's own command (as the launcher itself would)
        argv = new ArrayList<>(argv.subList(launcher + Containment.ARGUMENTS + 1, argv.size()));
      }
      argv.set(0, executable(argv.get(0)));
      for (int i = 1; i < argv.size(); i++) {
        argv.set(i, rewrite(argv.get(i)));
      }
      command.addAll(argv);

      Path logs = makeDirectories(podDir.resolve(".logs"));
      Path logFile = logs.resolve(name + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(
                  container.getWorkingDir() == null
                      ? podDir.toFile()
                      : local(container.getWorkingDir()).toFile())
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile());
      Map<String, String> env = builder.environment();
      env.clear();
      env.put("PATH", busybox != null ? bin.toString() : "/usr/local/bin:/usr/bin:/bin");
      env.put("HOSTNAME", podName);
      if (container.getEnv() != null) {
        for (EnvVar var : container.getEnv()) {
          env.put(var.getName(), rewrite(var.getValue() == null ? "" : var.getValue()));
        }
      }
      if (isCancelled()) {
        return -1;
      }
      Process started = builder.start();
      process = started;
      if (isCancelled()) {
        kill(started);
      }
      int exit = started.waitFor();
      process = null;
      if (isCancelled()) {
        return -1;
      }
      serveLog(name, new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8));
      statuses.add(KubeletSimulator.terminated(name, exit, exit == 0 ? "Completed" : "Error"));
      return exit;
    }

    void refuseLogsOfTheRest(PodSpec spec, String failed) {
      boolean after = false;
      List<Container> all = new ArrayList<>(spec.getInitContainers());
      all.addAll(spec.getContainers());
      for (Container c : all) {
        if (after) {
          refuseLog(c.getName(), "is waiting to start: PodInitializing");
        }
        after |= c.getName().equals(failed);
      }
    }

    String executable(String command) {
      if (busybox == null) {
        return command.equals("sh") ? "/bin/sh" : command;
      }
      String applet = command.substring(command.lastIndexOf('/') + 1);
      Path linked = bin.resolve(applet);
      if (!Files.exists(linked, NOFOLLOW)) {
        throw new IllegalStateException(
            "the local kubelet runs busybox applets only; the container wants " + command);
      }
      return linked.toString();
    }

    /** Rewrites absolute container paths under the mounts' top directories to the pod dir. */
    String rewrite(String text) {
      Set<String> tops = new java.util.TreeSet<>(Comparator.reverseOrder());
      for (Path dir : volumeDirs.values()) {
        String inContainer = "/" + podDir.relativize(dir).toString();
        int slash = inContainer.indexOf('/', 1);
        tops.add(slash < 0 ? inContainer : inContainer.substring(0, slash));
      }
      String alternatives = String.join("|", tops.stream().map(Pattern::quote).toList());
      Matcher m =
          Pattern.compile("(^|[\\s\"'=:(])(" + alternatives + ")(?=$|[/\\s\"';)])").matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + podDir + m.group(2)));
      }
      m.appendTail(out);
      return out.toString();
    }

    void serveLog(String container, String text) {
      synchronized (expectationLock) {
        server.expect().get().withPath(logPath(container)).andReturn(200, text).always();
      }
    }

    void refuseLog(String container, String why) {
      synchronized (expectationLock) {
        server
            .expect()
            .get()
            .withPath(logPath(container))
            .andReturn(
                400,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":400,"
                    + "\"reason\":\"BadRequest\",\"message\":\"container \\\""
                    + container
                    + "\\\" in pod \\\""
                    + podName
                    + "\\\" "
                    + why
                    + "\"}")
            .always();
      }
    }

    String logPath(String container) {
      return "/api/v1/namespaces/"
          + namespace
          + "/pods/"
          + podName
          + "/log?pretty=false&container="
          + container;
    }
  }

  // ------------------------------------------------------------------ helpers

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private static boolean finished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && !job.getStatus().getConditions().isEmpty();
  }

  private static @Nullable Long podUser(PodSpec spec) {
    return spec.getSecurityContext() == null ? null : spec.getSecurityContext().getRunAsUser();
  }

  private static @Nullable Long firstNonNull(@Nullable Long a, @Nullable Long b) {
    return a != null ? a : b;
  }

  /** An image of a registry under the reserved {@code .invalid} domain can never be pulled. */
  static boolean unpullable(String image) {
    int slash = image.indexOf('/');
    String registry = slash < 0 ? "" : image.substring(0, slash);
    return registry.toLowerCase(Locale.ROOT).endsWith(".invalid");
  }

  private static Path makeDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(bits[i]);
      }
    }
    return perms;
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir, NOFOLLOW)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      List<Path> all = tree.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) {
        if (Files.isDirectory(p, NOFOLLOW)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
      }
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir + " failed", e);
    }
  }

  private static @Nullable Path findBusybox() {
    for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox")) {
      Path path = Path.of(candidate);
      if (Files.isExecutable(path)) {
        return path;
      }
    }
    return null;
  }

  private static List<String> applets(Path busybox) throws IOException {
    Process list = new ProcessBuilder(busybox.toString(), "--list").start();
    try (InputStream in = list.getInputStream()) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.lines().map(String::strip).filter(s -> s.matches("[A-Za-z0-9_.\\[-]+")).toList();
    }
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.substring(4).strip().startsWith("0\t")
              || line.substring(4).strip().equals("0");
        }
      }
    } catch (IOException e) {
      // not Linux: fall through
    }
    return "root".equals(System.getProperty("user.name"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }
}
