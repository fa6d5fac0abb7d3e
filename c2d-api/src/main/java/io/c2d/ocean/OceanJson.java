package io.c2d.ocean;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.publish.DerivedAsset;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads and writes Ocean's compute-to-data JSON, so a provider application can answer existing
 * Ocean clients unchanged: the compute start body of Ocean's provider v4 ({@code POST
 * /api/services/compute}) and of ocean-node, the job status list, the results list and the compute
 * environments listing.
 *
 * <p>Every method is static, thread-safe and takes and returns JDK and c2d types only. Readers
 * refuse malformed input with an {@link InvalidRequestException} whose {@link
 * InvalidRequestException#field() field} names the offending member in Ocean's dotted form ({@code
 * "dataset.documentId"}, {@code "additionalDatasets[1].transferTxId"}, {@code
 * "algorithm.meta.container.image"}, {@code "resources[0].amount"}); input that is not JSON at all,
 * is not the expected kind of JSON value, repeats a key or is longer than {@value #MAX_BODY_CHARS}
 * characters names {@code "body"}. For the lists, which are arrays, the field starts with the
 * element's index, such as {@code "[2].filename"}.
 *
 * <h2>The start body ({@link #parseStartRequest(String)})</h2>
 *
 * <table class="striped">
 *   <caption>Members of the start body and what they become</caption>
 *   <tr><th>member<th>becomes<th>notes
 *   <tr><td>{@code consumerAddress}<td>{@link ComputeRequest.Builder#consumer(EthAddress)}<td>
 *       required, {@code 0x} and 40 hex digits
 *   <tr><td>{@code signature}<td>{@link ComputeRequest.Builder#signature(String)}<td>required,
 *       {@code 0x} and 130 hex digits, carried as given (see below)
 *   <tr><td>{@code nonce}<td>{@link ComputeRequest.Builder#nonce(String)}<td>required; a JSON
 *       whole number or a string of decimal digits (a fraction is refused)
 *   <tr><td>{@code environment}<td>{@link ComputeRequest.Builder#environment(String)}<td>required
 *   <tr><td>{@code dataset}, {@code additionalDatasets[]}<td>the request's datasets, in that order
 *       <td>provider v4; each {@code {documentId, serviceId, transferTxId?, userdata?}}
 *   <tr><td>{@code datasets[]}<td>the request's datasets<td>ocean-node's form of the same; give
 *       one form or the other, not both
 *   <tr><td>{@code algorithm.documentId}, {@code .serviceId}, {@code .transferTxId}<td>a published
 *       {@link Algorithm}<td>{@code serviceId} is required with {@code documentId}
 *   <tr><td>{@code algorithm.meta.rawcode}<td>a raw {@link Algorithm}<td>required when there is no
 *       {@code documentId}; refused beside one
 *   <tr><td>{@code algorithm.meta.container{entrypoint, image, tag, checksum?}}<td>{@link
 *       ContainerSpec}, {@code checksum} as its digest<td>see "published algorithms" below
 *   <tr><td>{@code algorithm.algocustomdata}<td>{@link Algorithm#customData()}<td>an object, or a
 *       string holding one
 *   <tr><td>{@code algorithm.envs}<td>{@link Algorithm#environment()}<td>ocean-node; an object of
 *       strings (numbers and booleans are taken as their text)
 *   <tr><td>{@code output.publishAsAsset}, {@code output.assetName}<td>{@link OutputOptions}<td>
 *       c2d's; {@code output} must be an object: ocean-node's encrypted remote output (a string)
 *       is refused, c2d keeps results itself
 *   <tr><td>{@code requestId}<td>{@link ComputeRequest.Builder#requestId(String)}<td>c2d's
 *       idempotency key
 *   <tr><td>{@code agreementId}<td>{@link ComputeRequest.Builder#agreementId(String)}<td>c2d's
 *       Keeper agreement; needed only when a dataset has no {@code transferTxId}
 *   <tr><td>{@code maxJobDuration}<td>{@link ComputeRequest.Builder#maxDuration(Duration)}<td>
 *       whole seconds (ocean-node)
 *   <tr><td>{@code resources[{id, amount}]}<td>{@link ComputeRequest.Builder#resources(Resources)}
 *       <td>ocean-node's form: {@code cpu} in cores (fractions allowed), {@code ram} and {@code
 *       disk} in GiB (fractions allowed), {@code gpu} whole; {@code cpu}, {@code ram} and {@code
 *       disk} must all be named (c2d cannot fill one from the environment as ocean-node does), each
 *       id once; an empty array is the same as none (the environment's defaults)
 *   <tr><td>{@code validUntil} or {@code expiresAt}<td>{@link
 *       ComputeRequest.Builder#expiresAt(Instant)}<td>epoch seconds; both may be given if equal
 *   <tr><td>{@code networkAccess}<td>{@link ComputeRequest.Builder#networkAccess(boolean)}<td>a
 *       JSON boolean
 * </table>
 *
 * <p>Members not listed (such as provider v4's {@code chainId}, ocean-node's {@code payment},
 * {@code metadata}, {@code additionalViewers}, {@code queueMaxWaitTime}, the operator's {@code
 * algouserdata}) are ignored, so that newer clients keep working. An optional member that is JSON
 * {@code null} or the empty string counts as absent; a required one does not. The result is a
 * {@link ComputeRequest.Builder}, not a request: the provider application fills in what only it
 * knows (each dataset's files and DDO with {@link ComputeRequest.Builder#setDataset(int,
 * DatasetInput)}, the algorithm's files and DDO with {@link
 * ComputeRequest.Builder#algorithm(Algorithm)}) and calls {@link ComputeRequest.Builder#build()},
 * which checks what spans fields (at least one dataset, no dataset twice, an agreement or an order
 * for every dataset).
 *
 * <p><b>Expiry.</b> Ocean's clients send no expiry. When the body has neither {@code validUntil}
 * nor {@code expiresAt}, the builder's expiry is left unset and the provider application must set
 * one ({@link ComputeRequest.Builder#expiresAt(Instant)}) before {@code build()}, which otherwise
 * refuses the request naming {@code "expiresAt"}.
 *
 * <p><b>Signatures.</b> The {@code signature} is carried as given. The engine checks it against
 * c2d's own signed message ({@link ComputeRequest#signingMessage(long, EthAddress)}), not Ocean's
 * ({@code consumerAddress + documentId + nonce}): a client that signs Ocean's message is refused by
 * the engine until Ocean's message formats are accepted.
 *
 * <p><b>Published algorithms.</b> An algorithm given by {@code documentId} runs the container its
 * DDO declares; Ocean's provider looks it up itself. {@link #parseStartRequest(String)} takes it
 * from {@code algorithm.meta.container} and refuses a published algorithm without one, naming
 * {@code "algorithm.meta.container"}: a provider application that resolves algorithm DDOs either
 * copies the DDO's {@code metadata.algorithm.container} into the body's {@code
 * algorithm.meta.container} before parsing, or uses {@link #parseStartRequest(String, Function)},
 * whose function gives the container published for a DID. No placeholder container is ever made up.
 * Either way the engine's compute policy check compares the container with the algorithm's DDO when
 * the application supplies it.
 *
 * <h2>File objects ({@link #readFileObject(String)}, {@link #readFileObjects(String)})</h2>
 *
 * <p>Where a dataset file lives, as a publisher's asset directory gives it, read into a {@link
 * FileLocator}:
 *
 * <table class="striped">
 *   <caption>File objects and what they become</caption>
 *   <tr><th>object<th>becomes<th>notes
 *   <tr><td>{@code {"type":"url", "url", "method"?, "headers"?}}<td>{@link
 *       FileLocator#urlBuilder(java.net.URI)}<td>Ocean's; http(s) only ({@code data:} too, for
 *       tests); {@code method} {@code GET} (default) or {@code POST}; {@code headers} an object of
 *       strings (ocean.js) or an array of such objects (ocean-node)
 *   <tr><td>{@code {"type":"ipfs", "hash"}}<td>{@link FileLocator#ipfs(String)}<td>Ocean's; a bare
 *       content id, no path
 *   <tr><td>{@code {"type":"arweave", "transactionId"}}<td>{@link FileLocator#arweave(String)}<td>
 *       Ocean's
 *   <tr><td>{@code {"type":"file", "path"}}<td>{@link FileLocator#file(java.nio.file.Path)}<td>
 *       c2d's; an absolute path on the provider's machine
 *   <tr><td>{@code {"type":"pvc", "claim", "path"}}<td>{@link FileLocator#pvc(String, String)}<td>
 *       c2d's; Kubernetes only
 * </table>
 *
 * <p>Any of them may carry c2d's {@code size} (a whole number of bytes) and {@code sha256} (64 hex
 * digits), which the fetch checks. Other members (Ocean's {@code index}, {@code contentType}) are
 * ignored.
 *
 * <h2>The status list ({@link #writeStatusList(List)})</h2>
 *
 * <p>One object per job, field for field as Ocean's operator-service returns it through provider
 * v4, plus members of ocean-node and of c2d that clash with neither:
 *
 * <table class="striped">
 *   <caption>Members of a status list entry</caption>
 *   <tr><th>member<th>value
 *   <tr><td>{@code agreementId}<td>the job's agreement id, {@code ""} when it has none
 *   <tr><td>{@code jobId}<td>the job id, 32 hex digits
 *   <tr><td>{@code owner}<td>the owner's address, lower case
 *   <tr><td>{@code status}, {@code statusText}<td>{@link JobStatus#code()} and {@link
 *       JobStatus#text()}: c2d's codes, which are Ocean's where the meaning is the same
 *   <tr><td>{@code dateCreated}<td>epoch seconds as a string, to the millisecond, trailing zeros
 *       dropped ({@code "1705855599.64"}), as Ocean writes them
 *   <tr><td>{@code dateFinished}<td>the same once the job has ended, {@code null} before
 *   <tr><td>{@code results}<td>the results list (below) once the job has ended, possibly empty;
 *       {@code ""} before, as operator-service returns it
 *   <tr><td>{@code stopreq}<td>{@code 1} for {@link JobStatus#STOPPED}, {@code 2} for {@link
 *       JobStatus#TIMED_OUT}, else {@code 0} (operator-service's stop request and timeout flags)
 *   <tr><td>{@code removed}<td>{@code 0}: a deleted job is not listed at all
 *   <tr><td>{@code algoDID}<td>the published algorithm's DID, {@code ""} for a raw algorithm
 *   <tr><td>{@code inputDID}<td>the input datasets' DIDs, in order
 *   <tr><td>{@code environment}<td>the environment id (ocean-node)
 *   <tr><td>{@code terminationDetails}<td>{@code {exitCode, OOMKilled}} (ocean-node): the exit code
 *       or {@code null}; {@code OOMKilled} is {@code true} for {@link JobStatus#OUT_OF_MEMORY},
 *       {@code false} for any other ended job, {@code null} while it runs
 *   <tr><td>{@code requestId}<td>c2d's request id
 *   <tr><td>{@code dateUpdated}<td>c2d's: when the status last changed, as {@code dateCreated}
 *   <tr><td>{@code detail}<td>c2d's: why the job stopped, timed out or failed, or {@code null}
 *   <tr><td>{@code resultsDid}<td>the derived asset's DID or {@code null} (the legacy operator's
 *       name for it)
 * </table>
 *
 * <p>{@link #readStatusList(String)} reads this back into equal {@link ComputeJob}s (instants to
 * the millisecond). It also reads operator-service's own lists: a missing c2d or ocean-node member
 * takes its default ({@code requestId} and {@code environment} {@code ""}, {@code dateUpdated} the
 * finish or creation date), dates may carry any number of decimals or be JSON numbers, and status
 * {@code 70} with {@code stopreq} {@code 1} or {@code 2} reads as {@link JobStatus#STOPPED} or
 * {@link JobStatus#TIMED_OUT}. It does not read ocean-node's lists, whose job ids are not 32 hex
 * digits and whose codes 0, 2, 10 and 12 to 14 mean other things than c2d's.
 *
 * <h2>The results list ({@link #writeResultsList(List)})</h2>
 *
 * <p>{@code [{"filename", "filesize", "type", "index"}]}, with {@code type} from {@link
 * ResultKind#oceanType()}. {@link #readResultsList(String)} also accepts operator-service's
 * misspelt {@code configrationLog}, ignores other members (such as a stored {@code url}) and
 * refuses types c2d does not make ({@code imageLog}, {@code filteringLog}).
 *
 * <h2>The environments listing ({@link #writeEnvironments(List)})</h2>
 *
 * <p>One object per environment, in the spirit of ocean-node's {@code computeEnvironments}:
 *
 * <table class="striped">
 *   <caption>Members of an environments listing entry</caption>
 *   <tr><th>member<th>value
 *   <tr><td>{@code id}, {@code description}<td>the environment's id and description
 *   <tr><td>{@code resources}<td>{@code [{id, total, max, min, default}]} for {@code cpu} (cores),
 *       {@code ram} and {@code disk} (GiB), and {@code gpu} (whole GPUs; listed only when the
 *       environment has any): {@code total} is what all running jobs share, {@code max} the most one
 *       job may ask for, {@code min} {@code 0} (c2d has no minimum), {@code default} (c2d's) what a
 *       job gets when it asks for nothing; fractions are written as decimals
 *   <tr><td>{@code maxJobDuration}<td>the longest a job may run, in seconds
 *   <tr><td>{@code maxJobs}<td>how many jobs run at once
 *   <tr><td>{@code maxJobsPerConsumer}, {@code queueCapacity}<td>c2d's: jobs of one consumer at once,
 *       and how many jobs may wait
 *   <tr><td>{@code free}<td>for a free environment, ocean-node's free-tier object {@code
 *       {maxJobDuration, maxJobs, resources[{id, max}]}} with the environment's own limits; absent
 *       for a paid one (so it reads as false for clients of either Ocean generation)
 * </table>
 *
 * <p>ocean-node's {@code fees}, {@code consumerAddress}, {@code platform} and running-job counters
 * are not written: c2d has no fee tokens, and running counts are the engine's ({@link
 * io.c2d.ComputeEngine#runningJobs(String)}).
 */
public final class OceanJson {
  /** The longest JSON text the readers accept, in characters. */
  public static final int MAX_BODY_CHARS = 4 << 20;

  private OceanJson() {}

  // ---------------------------------------------------------------------------------------------
  // The start body: StartRequestReader, ResourcesReader

  /**
   * Parses an Ocean compute start body into a request builder; a published algorithm must carry its
   * container in {@code algorithm.meta.container}. See the class documentation for the members.
   *
   * @param json the request body
   * @return a builder holding every member of the body; the provider application adds files and
   *     DDOs, and the expiry if the body has none, then builds
   * @throws InvalidRequestException naming the first member found missing or malformed
   */
  public static ComputeRequest.Builder parseStartRequest(String json) {
    return StartRequestReader.read(json, null);
  }

  /**
   * Parses an Ocean compute start body into a request builder, taking a published algorithm's
   * container from {@code containerOfAlgorithm}, such as from the algorithm's DDO.
   *
   * <p>For an algorithm given by {@code documentId}, the function's container is used. When it
   * gives none, the body's {@code algorithm.meta.container} is used, and when that is missing too
   * the body is refused naming {@code "algorithm.meta.container"}. A body whose {@code
   * algorithm.meta.container} differs from the function's container is refused naming the same
   * field. The function is not called for a raw algorithm; what it throws propagates.
   *
   * @param json the request body
   * @param containerOfAlgorithm the container published for an algorithm's DID, if known
   * @return a builder holding every member of the body
   * @throws InvalidRequestException naming the first member found missing or malformed
   */
  public static ComputeRequest.Builder parseStartRequest(
      String json, Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    return StartRequestReader.read(
        json, requireNonNull(containerOfAlgorithm, "containerOfAlgorithm"));
  }

  // ---------------------------------------------------------------------------------------------
  // File objects: FileObjects

  /**
   * Reads one file object: where a dataset file lives. See "File objects" in the class
   * documentation for the forms.
   *
   * @param json one file object, such as {@code {"type":"url","url":"https://...","method":"GET"}}
   * @return the locator
   * @throws InvalidRequestException naming the first member found missing or malformed, such as
   *     {@code "file.url"} or {@code "file.headers"}
   */
  public static FileLocator readFileObject(String json) {
    return FileObjects.readOne(json);
  }

  /**
   * Reads the file objects of an asset: a JSON array of them, an object whose {@code files} member
   * is one (the decrypted {@code files} document of an Ocean service, whose {@code nftAddress} and
   * {@code datatokenAddress} are ignored), or a single file object.
   *
   * @param json the file objects
   * @return the locators, in order; file {@code n} is staged as {@code /data/inputs/<did>/<n>}
   * @throws InvalidRequestException naming the first member found missing or malformed, such as
   *     {@code "[1].hash"} or {@code "files[0].url"}; more than {@link DatasetInput#MAX_FILES}
   *     objects are refused
   */
  public static List<FileLocator> readFileObjects(String json) {
    return FileObjects.readMany(json);
  }

  /**
   * Writes a locator as a file object, which {@link #readFileObject(String)} reads back into an
   * equal locator. The JSON holds the url's headers and query in full: it is not for logs.
   *
   * @param locator the locator
   * @return compact JSON
   */
  public static String writeFileObject(FileLocator locator) {
    return FileObjects.write(requireNonNull(locator, "locator"));
  }

  // ---------------------------------------------------------------------------------------------
  // The derived asset's DDO: DerivedDdoWriter

  /**
   * Writes the DDO of a derived asset (DESIGN step 9) in the shape of an Ocean v4 DDO: a dataset
   * owned by the job's owner, no services (the provider adds its own), and the provenance under
   * {@code metadata.additionalInformation.provenance}: {@code jobId}, {@code inputs} (DIDs), {@code
   * algorithm} ({@code did}, {@code image}, {@code tag}, {@code checksum}), {@code environment},
   * {@code finishedAt} (ISO-8601) and {@code outputs} ({@code name}, {@code size}, {@code sha256}).
   *
   * @param asset what the job produced
   * @param did the new asset's DID
   * @param chainId the chain the asset is registered on
   * @return compact JSON; equal arguments give equal text
   */
  public static String writeDerivedDdo(DerivedAsset asset, Did did, long chainId) {
    return DerivedDdoWriter.write(
        requireNonNull(asset, "asset"), requireNonNull(did, "did"), chainId);
  }

  // ---------------------------------------------------------------------------------------------
  // The status list: StatusListWriter, StatusListReader

  /**
   * Writes jobs as an Ocean status list, one object per job in the given order. See the class
   * documentation for the members.
   *
   * @param jobs the jobs to list
   * @return a compact JSON array
   */
  public static String writeStatusList(List<ComputeJob> jobs) {
    return StatusListWriter.write(jobs);
  }

  /**
   * Reads an Ocean status list, as {@link #writeStatusList(List)} writes it or as Ocean's
   * operator-service returns it. See the class documentation for the defaults of missing members.
   *
   * @param json a JSON array of status objects
   * @return the jobs, in the list's order
   * @throws InvalidRequestException naming the first member found missing or malformed, such as
   *     {@code "[0].jobId"}
   */
  public static List<ComputeJob> readStatusList(String json) {
    return StatusListReader.read(json);
  }

  // ---------------------------------------------------------------------------------------------
  // The results list: ResultsListWriter, ResultsListReader

  /**
   * Writes results as an Ocean results list, {@code [{"filename", "filesize", "type", "index"}]},
   * in the given order.
   *
   * @param results the results to list
   * @return a compact JSON array
   */
  public static String writeResultsList(List<JobResult> results) {
    return ResultsListWriter.write(results);
  }

  /**
   * Reads an Ocean results list, accepting Ocean's misspelt {@code configrationLog}.
   *
   * @param json a JSON array of {@code {filename, filesize, type, index}}
   * @return the results, in the list's order
   * @throws InvalidRequestException naming the first member found missing or malformed, such as
   *     {@code "[1].type"}
   */
  public static List<JobResult> readResultsList(String json) {
    return ResultsListReader.read(json);
  }

  // ---------------------------------------------------------------------------------------------
  // The environments listing: EnvironmentsWriter

  /**
   * Writes compute environments as a listing in the spirit of ocean-node's {@code
   * computeEnvironments}. See the class documentation for the members.
   *
   * @param environments the environments to list
   * @return a compact JSON array
   */
  public static String writeEnvironments(List<ComputeEnvironment> environments) {
    return EnvironmentsWriter.write(environments);
  }
}
