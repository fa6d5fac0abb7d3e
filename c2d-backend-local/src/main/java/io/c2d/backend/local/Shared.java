package io.c2d.backend.local;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

/**
 * What every job of one {@link EmbeddedComputeBackend} shares: its clock, the executor for staging
 * and collecting, the scheduler for timeouts, and whether the backend has been closed.
 *
 * @param clock the time of status reports
 * @param executor runs staging, collecting and the reactions to process exits
 * @param scheduler fires the maximum-duration timeouts
 * @param closed whether the backend was closed: a closed backend leaves its jobs alone
 */
record Shared(
    Clock clock, Executor executor, ScheduledExecutorService scheduler, BooleanSupplier closed) {}
