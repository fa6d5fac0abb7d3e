/**
 * The Kubernetes compute backend: each job is a {@code batch/v1} Job with a closed pod, and the
 * job's state lives in the cluster as labels and annotations. This first part holds the
 * deterministic naming and labelling that make a retried create idempotent and let a new backend
 * instance find every job again; the backend itself lands with the Kubernetes issue.
 */
@NullMarked
package io.c2d.backend.k8s;

import org.jspecify.annotations.NullMarked;
