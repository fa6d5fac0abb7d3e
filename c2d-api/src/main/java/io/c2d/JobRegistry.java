package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Every job the engine knows, by id, with the indexes that answer queries from memory: by owner and
 * by Keeper agreement. Ownership is checked here, so no query hands a job to another consumer.
 * Thread-safe, lock-free.
 */
final class JobRegistry {
  private final ConcurrentHashMap<JobId, JobRecord> jobs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EthAddress, Set<JobId>> byOwner = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<JobId>> byAgreement = new ConcurrentHashMap<>();

  @Nullable JobRecord get(JobId id) {
    return jobs.get(id);
  }

  boolean contains(JobId id) {
    return jobs.containsKey(id);
  }

  void register(JobRecord record) {
    ComputeJob job = record.snapshot();
    jobs.put(job.id(), record);
    byOwner.computeIfAbsent(job.owner(), owner -> ConcurrentHashMap.newKeySet()).add(job.id());
    job.agreementId()
        .ifPresent(
            agreement ->
                byAgreement
                    .computeIfAbsent(agreement, a -> ConcurrentHashMap.newKeySet())
                    .add(job.id()));
  }

  void unregister(JobRecord record) {
    ComputeJob job = record.snapshot();
    jobs.remove(job.id(), record);
    Set<JobId> owned = byOwner.get(job.owner());
    if (owned != null) {
      owned.remove(job.id());
    }
    job.agreementId()
        .ifPresent(
            agreement -> {
              Set<JobId> ids = byAgreement.get(agreement);
              if (ids != null) {
                ids.remove(job.id());
              }
            });
  }

  /**
   * The record of job {@code id} if {@code requester} owns it.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   */
  JobRecord owned(JobId id, EthAddress requester) {
    requireNonNull(id, "id");
    requireNonNull(requester, "requester");
    JobRecord record = jobs.get(id);
    if (record == null) {
      throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
    }
    if (!record.owner().equals(requester)) {
      throw new AccessDeniedException(
          ErrorCode.NOT_OWNER, "job " + id + " belongs to another consumer than " + requester);
    }
    return record;
  }

  List<ComputeJob> ofOwner(EthAddress owner) {
    return snapshots(byOwner.get(owner), owner);
  }

  List<ComputeJob> ofAgreement(String agreementId, EthAddress requester) {
    return snapshots(byAgreement.get(agreementId.toLowerCase(Locale.ROOT)), requester);
  }

  /** The jobs of {@code ids} that {@code owner} owns, oldest first. */
  private List<ComputeJob> snapshots(@Nullable Set<JobId> ids, EthAddress owner) {
    if (ids == null || ids.isEmpty()) {
      return List.of();
    }
    List<ComputeJob> found = new ArrayList<>(ids.size());
    for (JobId id : ids) {
      JobRecord record = jobs.get(id);
      if (record != null && record.owner().equals(owner)) {
        found.add(record.snapshot());
      }
    }
    found.sort(Comparator.comparing(ComputeJob::createdAt).thenComparing(j -> j.id().value()));
    return found;
  }
}
