/**
 * The Kubernetes compute backend: each job is a {@code batch/v1} Job with a closed pod, and the
 * job's state lives in the cluster as labels and annotations. {@link
 * io.c2d.backend.k8s.KubernetesComputeBackend} is the backend; {@link
 * io.c2d.backend.k8s.ObjectNames} gives the deterministic names and labels that make a retried
 * create idempotent and let a new backend instance find every job again.
 */
@NullMarked
package io.c2d.backend.k8s;

import org.jspecify.annotations.NullMarked;
