/**
 * Support for backend authors: the parts every {@link io.c2d.spi.backend.ComputeBackend} that runs
 * algorithms in a sandbox needs, written once, so that a backend only says how its sandbox is made,
 * started, watched, killed, emptied and removed.
 *
 * <ul>
 *   <li>{@link io.c2d.spi.backend.support.SandboxContract}: the layout of {@code /data} and the
 *       environment variables an algorithm gets, the same in every backend; {@link
 *       io.c2d.spi.backend.support.ContractStaging} puts a job's inputs, DDOs, custom data and
 *       algorithm there, through a {@link io.c2d.spi.backend.support.StagingTarget} (a host
 *       directory, an archive);
 *   <li>{@link io.c2d.spi.backend.support.JobDirectoryStore} and {@link
 *       io.c2d.spi.backend.support.JobDirectory}: a crash-safe store of each job's spec, state,
 *       logs and results on the provider's disk (atomic writes; a job directory appears only
 *       complete);
 *   <li>{@link io.c2d.spi.backend.support.OrderedReporter}: delivers a job's reports to its
 *       listener one at a time, in order, never under a lock;
 *   <li>{@link io.c2d.spi.backend.support.ResultCollector}: collects outputs and logs with the
 *       environment's caps, safe names only, links refused, every cut reported;
 *   <li>{@link io.c2d.spi.backend.support.SandboxJob}, {@link io.c2d.spi.backend.support.Sandbox}
 *       and {@link io.c2d.spi.backend.support.SandboxJobs}: the job lifecycle (statuses, stop,
 *       delete, time limits, restart recovery) and the body of a backend, to which a backend adds
 *       its {@code Sandbox}; {@link io.c2d.spi.backend.support.JobRuntime} holds what its jobs
 *       share.
 * </ul>
 *
 * <p>A backend may use any of these alone: a backend whose cluster keeps the state (Kubernetes)
 * uses the contract and the collector only.
 */
@NullMarked
package io.c2d.spi.backend.support;

import org.jspecify.annotations.NullMarked;
