/**
 * The Kubernetes compute backend: each job is a {@code batch/v1} Job with a closed pod, and the
 * job's state lives in the cluster as labels and annotations. {@link
 * io.c2d.backend.k8s.KubernetesComputeBackend} is the backend; {@link
 * io.c2d.backend.k8s.ObjectNames} gives the deterministic names and labels that make a retried
 * create idempotent and let a new backend instance find every job again.
 *
 * <p>Inside, the backend is a facade over package-private parts with one concern each: {@code
 * JobSubmitter} (creating or adopting the objects {@code Manifests} builds, claims checked from
 * {@code ClaimInputs}), {@code StatusTracker} (the tracked jobs and their status, fed by {@code
 * Informers} on the event thread of {@code BackendThreads}), {@code PodStaging} (the inputs
 * streamed into the pod through {@code PodExec}), {@code ResultCollector} (the results streamed out
 * of the pod into the {@code ResultArea}), {@code JobRemoval} (stop and delete), {@code
 * JobRecovery} (every job found again from its NetworkPolicy, read by {@code JobRecord}), {@code
 * FinishedJobReaper} (the {@code ttlSecondsAfterFinished} fallback for Kubernetes before 1.21) and
 * {@code Cluster} (the API calls and their retry rule).
 */
@NullMarked
package io.c2d.backend.k8s;

import org.jspecify.annotations.NullMarked;
