package io.c2d.backend.k8s;

import io.c2d.model.JobStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Caps what an algorithm writes while it runs, inside its own container, so that a flood ends with
 * the results cut at their caps and the job saying so rather than with the pod evicted or the
 * deadline reached and nothing collected. Kubernetes has no quota on an {@code emptyDir} (its
 * {@code sizeLimit} is enforced by eviction, tens of seconds late, which kills the very pod the
 * results must be collected from) and no cap on a container's log as it is written.
 *
 * <p>So the staging step copies the helper image's static busybox into a small {@code emptyDir}
 * ({@value #TOOLS}, read-only in the algorithm's container), and the algorithm's command runs under
 * a supervisor script (busybox {@code sh}, the container's process 1): it
 *
 * <ul>
 *   <li>passes the algorithm's standard output and error to the container's log up to the log cap
 *       ({@code maxLogBytes}) and drops what follows; past the log's room (the cap and as much
 *       again, at least 16 MiB) the algorithm is stopped;
 *   <li>stops the algorithm once {@code /data/outputs} or {@code /data/logs} holds more than its
 *       room (the same as its {@code emptyDir}'s {@code sizeLimit}, so before the kubelet would
 *       evict the pod), checking every 0.2 s, and caps every file it writes at the largest room
 *       ({@code ulimit -f}, at least the 64 MiB of {@code /tmp});
 *   <li>then ends with exit code 0, so that the publish step runs and what was written up to the
 *       caps is collected, and says why in its termination message ({@value #QUOTA} and the
 *       reason); a log cut within its room is {@value #CUT}; an algorithm that ended by itself
 *       keeps its exit code (and what it left behind is killed, as Docker does when a container's
 *       first process ends).
 * </ul>
 *
 * <p>{@link #verdict} reads that message: a quota is {@code DISK_QUOTA_EXCEEDED} with the results
 * collected; {@link #evicted} reads a pod the kubelet evicted anyway (an {@code emptyDir} or the
 * job's {@code ephemeral-storage} over its limit: {@code DISK_QUOTA_EXCEEDED}, the logs collected).
 * The algorithm runs as the same user as the supervisor and could kill or fool it: then it only
 * loses its own results; the node stays protected by the volumes' size limits and the collector's
 * caps. Where busybox cannot run in the algorithm's image, the algorithm runs unsupervised (its log
 * says so) and only those remain.
 *
 * <p>Stateless and thread-safe.
 */
final class Containment {
  /** Where the algorithm's container finds the supervisor's busybox. */
  static final String TOOLS = "/c2d-bin";

  /** The termination message's start when the algorithm was stopped at a cap. */
  static final String QUOTA = "c2d-quota:";

  /** The termination message's start when the algorithm's log was cut within its room. */
  static final String CUT = "c2d-cut:";

  /** The room of {@code /tmp}; no file the algorithm writes may be smaller than it. */
  static final long TMP_BYTES = 64L << 20;

  /** The volume of {@link #TOOLS}. */
  static final String VOLUME = "c2d-bin";

  /** The name the launcher runs under ({@code $0}); what follows it is {@link #ARGUMENTS} long. */
  static final String LAUNCHER = "c2d-launch";

  /** How many arguments follow {@link #LAUNCHER} before the algorithm's own command. */
  static final int ARGUMENTS = 5;

  /**
   * Run by the copied busybox's {@code sh} (so an image without a shell is supervised too; a helper
   * image whose {@code /bin/busybox} is not statically linked cannot start the algorithm's
   * container at all, which fails the job rather than run it uncapped): hands over to the
   * supervisor, or runs the algorithm unsupervised where it is not process 1. Only as process 1 of
   * its own PID namespace (a container's): the supervisor's {@code kill -9 -1} must reach nothing
   * but the container's processes. Arguments: the five caps, then the algorithm's command.
   */
  private static final String LAUNCH =
      "if [ \"$$\" = 1 ] && "
          + TOOLS
          + "/busybox true 2> /dev/null; then exec "
          + TOOLS
          + "/busybox sh -c '%s' c2d-supervisor \"$@\"; fi;"
          + " if [ \"$$\" = 1 ]; then echo 'c2d: busybox cannot run in this image: outputs and"
          + " logs are capped only when collected' >&2; fi; shift 5; exec \"$@\"";

  /**
   * The supervisor ({@code $1} the room of the outputs in KiB, {@code $2} of {@code /data/logs} in
   * KiB, {@code $3} the log cap in bytes, {@code $4} the log's room beyond it in bytes, {@code $5}
   * the file size limit in 512-byte blocks; then the command). No single quote in it: it is quoted
   * into {@link #LAUNCH}.
   */
  private static final String SUPERVISOR =
      String.join(
          "\n",
          "B=" + TOOLS + "/busybox; ko=$1; kl=$2; ml=$3; extra=$4; fb=$5; shift 5",
          "if [ \"$$\" != 1 ]; then exec \"$@\"; fi",
          "f=/tmp/.c2d-log; $B rm -f \"$f\"",
          "if ! $B mkfifo -m 600 \"$f\"; then",
          "  echo \"c2d: no pipe for the log: outputs and logs are capped only when collected\" >&2",
          "  exec \"$@\"",
          "fi",
          // this shell holds the pipe open, so that the log's reader starts (and forks its first
          // copy) before the algorithm, which may be a fork bomb, runs
          "exec 3<> \"$f\"",
          // the log: the first $ml bytes reach the container's log, up to $extra more are dropped
          // (exit 8: cut), one more and the algorithm is stopped (exit 9: flood)
          "( exec 3>&-; $B dd bs=65536 count=\"$ml\" iflag=count_bytes 2> /dev/null",
          "  n=$($B dd bs=65536 count=$((extra + 1)) iflag=count_bytes 2> /dev/null | $B wc -c)",
          "  if [ \"$n\" -gt \"$extra\" ]; then exit 9; fi",
          "  if [ \"$n\" -gt 0 ]; then exit 8; fi ) < \"$f\" &",
          "cpid=$!",
          // the disk: beyond their room the outputs (9) or log files (10) stop it all
          "over() { o=$($B du -sk /data/outputs 2> /dev/null); o=${o%%[!0-9]*}",
          "  l=$($B du -sk /data/logs 2> /dev/null); l=${l%%[!0-9]*}",
          "  if [ \"${o:-0}\" -gt \"$ko\" ]; then return 9; fi",
          "  if [ \"${l:-0}\" -gt \"$kl\" ]; then return 10; fi; return 0; }",
          "( exec 3>&-; while :; do",
          "  over; w=$?; if [ $w -ne 0 ]; then kill -9 -1; exit $w; fi; $B sleep 0.2",
          "done ) &",
          "wpid=$!",
          // the algorithm starts once the log's reader runs its first copy (a child of the reader's
          // shell, seen without a fork); where /proc does not list children, after 0.2 s
          "c=/proc/$cpid/task/$cpid/children; i=0",
          "if [ -r \"$c\" ]; then while [ $i -lt 20000 ]; do r=; read -r r < \"$c\";",
          "  if [ -n \"$r\" ]; then break; fi; i=$((i + 1)); done; else $B sleep 0.2; fi",
          "ulimit -f \"$fb\"",
          "\"$@\" > \"$f\" 2>&1 < /dev/null 3>&- &",
          "apid=$!; exec 3>&-",
          "wait $apid 2> /dev/null; rc=$?",
          // not TERM: the watcher's shell would wait for its sleep to end first; what it had seen
          // is seen again just below
          "kill -9 $wpid 2> /dev/null; wait $wpid 2> /dev/null; wrc=$?",
          // what it wrote since the last look counts too
          "if [ $wrc -ne 9 ] && [ $wrc -ne 10 ]; then over; wrc=$?; fi",
          // what the algorithm left running may hold the log open: it has 2 s, then everything goes
          "( $B sleep 2; kill -9 -1 ) 2> /dev/null &",
          // a reader the watcher killed must not put the shell's "Killed" into the container's log
          "wait $cpid 2> /dev/null; crc=$?",
          "kill -9 -1 2> /dev/null",
          "v=",
          "if [ $wrc -eq 9 ]; then v=\"the outputs went past $ko KiB\";",
          "elif [ $wrc -eq 10 ]; then v=\"the files of /data/logs went past $kl KiB\";",
          "elif [ $crc -eq 9 ]; then v=\"the algorithm printed more than $((ml + extra)) bytes\";",
          "elif [ $rc -eq 153 ]; then v=\"a file reached the size limit of $((fb / 2)) KiB\"; fi",
          "if [ -n \"$v\" ]; then",
          "  printf \"%s %s\\n\" \""
              + QUOTA
              + "\" \"$v\" > /dev/termination-log 2> /dev/null; exit 0",
          "fi",
          "if [ $crc -eq 8 ]; then",
          "  printf \"%s the log was cut at %s bytes\\n\" \""
              + CUT
              + "\" \"$ml\""
              + " > /dev/termination-log 2> /dev/null",
          "else printf \"\" > /dev/termination-log 2> /dev/null; fi",
          "exit $rc");

  private Containment() {}

  /**
   * {@code job} with its algorithm supervised: the tools volume, the staging step copying busybox
   * into it, and the algorithm's command wrapped. A Job without those steps, or whose algorithm has
   * no command of its own to wrap (it runs its image's entrypoint), is returned as it is.
   */
  static Job contain(Job job, long maxOutputBytes, long maxLogBytes) {
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container stage = container(pod, Manifests.STAGE_DATA);
    Container algorithm = container(pod, Manifests.ALGORITHM);
    if (stage == null
        || algorithm == null
        || algorithm.getCommand() == null
        || algorithm.getCommand().isEmpty()
        || stage.getCommand() == null
        || stage.getCommand().size() != 3) {
      return job;
    }
    pod.getVolumes()
        .add(
            new VolumeBuilder()
                .withName(VOLUME)
                .withNewEmptyDir()
                .withSizeLimit(new Quantity(Long.toString(16L << 20)))
                .endEmptyDir()
                .build());
    stage
        .getVolumeMounts()
        .add(new VolumeMountBuilder().withName(VOLUME).withMountPath(TOOLS).build());
    List<String> stageCommand = new ArrayList<>(stage.getCommand());
    stageCommand.set(
        2, "cp /bin/busybox " + TOOLS + "/busybox 2> /dev/null || :\n" + stageCommand.get(2));
    stage.setCommand(stageCommand);

    algorithm
        .getVolumeMounts()
        .add(
            new VolumeMountBuilder()
                .withName(VOLUME)
                .withMountPath(TOOLS)
                .withReadOnly(true)
                .build());
    long outputRoom = Manifests.room(maxOutputBytes);
    long logRoom = Manifests.room(maxLogBytes);
    long fileLimit = Math.max(TMP_BYTES, Math.max(outputRoom, logRoom));
    List<String> command = new ArrayList<>();
    // busybox's sh, copied in by the staging step: the algorithm's image needs no shell of its own
    command.add(TOOLS + "/busybox");
    command.add("sh");
    command.add("-c");
    // Kubernetes reads "$$" in a command as an escaped "$" (and "$(NAME)" as a variable)
    command.add(String.format(Locale.ROOT, LAUNCH, SUPERVISOR).replace("$$", "$$$$"));
    command.add(LAUNCHER);
    command.add(Long.toString(ceilDiv(outputRoom, 1024)));
    command.add(Long.toString(ceilDiv(logRoom, 1024)));
    command.add(Long.toString(maxLogBytes));
    command.add(Long.toString(logRoom - maxLogBytes));
    command.add(Long.toString(ceilDiv(fileLimit, 512)));
    command.addAll(algorithm.getCommand());
    if (algorithm.getArgs() != null) {
      command.addAll(algorithm.getArgs());
    }
    algorithm.setCommand(command);
    algorithm.setArgs(null);
    return job;
  }

  /**
   * What the supervisor of {@code pod}'s algorithm said as it ended: a quota (the algorithm was
   * stopped at a cap), a cut log, or null (nothing, or no supervisor).
   */
  static @Nullable Verdict verdict(@Nullable Pod pod) {
    PodStatus status = pod == null ? null : pod.getStatus();
    if (status == null) {
      return null;
    }
    List<ContainerStatus> all = new ArrayList<>();
    if (status.getInitContainerStatuses() != null) {
      all.addAll(status.getInitContainerStatuses());
    }
    if (status.getContainerStatuses() != null) {
      all.addAll(status.getContainerStatuses());
    }
    for (ContainerStatus container : all) {
      if (!Manifests.ALGORITHM.equals(container.getName()) || container.getState() == null) {
        continue;
      }
      ContainerStateTerminated ended = container.getState().getTerminated();
      String message = ended == null ? null : ended.getMessage();
      if (message == null) {
        return null;
      }
      message = message.strip();
      if (message.startsWith(QUOTA)) {
        return new Verdict(true, message.substring(QUOTA.length()).strip());
      }
      if (message.startsWith(CUT)) {
        return new Verdict(false, message.substring(CUT.length()).strip());
      }
      return null;
    }
    return null;
  }

  /**
   * What an evicted pod means, or null if {@code pod} was not evicted: an {@code emptyDir} or the
   * job's {@code ephemeral-storage} past its limit is {@code DISK_QUOTA_EXCEEDED}; any other
   * eviction (the node short of memory or disk) fails the job with the kubelet's reason.
   */
  static @Nullable PodObservation evicted(Pod pod) {
    PodStatus status = pod.getStatus();
    if (status == null || !"Evicted".equals(status.getReason())) {
      return null;
    }
    String message = status.getMessage() == null ? "" : status.getMessage().strip();
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("emptydir") || lower.contains("ephemeral")) {
      return PodObservation.failed(
          JobStatus.DISK_QUOTA_EXCEEDED,
          null,
          "the kubelet evicted the pod: " + message + " (the algorithm wrote more than it may)");
    }
    return PodObservation.failed(JobStatus.FAILED, null, "the kubelet evicted the pod: " + message);
  }

  private static @Nullable Container container(PodSpec pod, String name) {
    List<Container> all = new ArrayList<>();
    if (pod.getInitContainers() != null) {
      all.addAll(pod.getInitContainers());
    }
    if (pod.getContainers() != null) {
      all.addAll(pod.getContainers());
    }
    return all.stream().filter(c -> name.equals(c.getName())).findFirst().orElse(null);
  }

  private static long ceilDiv(long value, long unit) {
    return value / unit + (value % unit == 0 ? 0 : 1);
  }

  /**
   * What the supervisor said.
   *
   * @param quota true if the algorithm was stopped at a cap, false if only its log was cut
   * @param detail the reason in words
   */
  record Verdict(boolean quota, String detail) {}
}
