package io.c2d.ocean;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.publish.DerivedAsset;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
  private static final BigDecimal MAX_CPUS = BigDecimal.valueOf(1024);
  private static final BigDecimal MAX_GIB = BigDecimal.valueOf(1L << 20);
  private static final int MAX_GPUS = 1024;
  private static final String CONTAINER_FIELD = "algorithm.container.";

  private OceanJson() {}

  // ---------------------------------------------------------------------------------------------
  // The start body

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
    return parseStart(json, null);
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
    return parseStart(json, requireNonNull(containerOfAlgorithm, "containerOfAlgorithm"));
  }

  private static ComputeRequest.Builder parseStart(
      String json, @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    JsonNode root = readTree(json);
    if (!root.isObject()) {
      throw new InvalidRequestException("body", "must be a JSON object");
    }
    ComputeRequest.Builder builder = ComputeRequest.builder();
    builder.consumer(
        EthAddress.parse(
            requiredText(root, "consumerAddress", "consumerAddress"), "consumerAddress"));
    builder.signature(requiredText(root, "signature", "signature"));
    builder.nonce(nonce(root));
    builder.environment(requiredText(root, "environment", "environment"));
    parseDatasets(root, builder);
    builder.algorithm(
        parseAlgorithm(required(root, "algorithm", "algorithm"), containerOfAlgorithm));

    String requestId = optionalText(root, "requestId", "requestId");
    if (requestId != null) {
      builder.requestId(requestId);
    }
    String agreementId = optionalText(root, "agreementId", "agreementId");
    if (agreementId != null) {
      builder.agreementId(agreementId);
    }
    JsonNode maxJobDuration = optional(root, "maxJobDuration");
    if (maxJobDuration != null) {
      builder.maxDuration(Duration.ofSeconds(wholeNumber(maxJobDuration, "maxJobDuration")));
    }
    Resources resources = parseResources(optional(root, "resources"));
    if (resources != null) {
      builder.resources(resources);
    }
    Instant expiresAt = parseExpiry(root);
    if (expiresAt != null) {
      builder.expiresAt(expiresAt);
    }
    Boolean networkAccess = optionalBoolean(root, "networkAccess", "networkAccess");
    if (networkAccess != null) {
      builder.networkAccess(networkAccess);
    }
    builder.output(parseOutput(optional(root, "output")));
    return builder;
  }

  private static String nonce(JsonNode root) {
    JsonNode nonce = optional(root, "nonce");
    if (nonce == null) {
      throw new InvalidRequestException("nonce", "is missing");
    }
    if (nonce.isIntegralNumber()) {
      return nonce.bigIntegerValue().toString();
    }
    if (nonce.isTextual()) {
      return nonce.textValue();
    }
    throw new InvalidRequestException("nonce", "must be a whole number or a string of digits");
  }

  private static void parseDatasets(JsonNode root, ComputeRequest.Builder builder) {
    JsonNode dataset = optional(root, "dataset");
    JsonNode datasets = optional(root, "datasets");
    JsonNode additional = optional(root, "additionalDatasets");
    if (dataset != null && datasets != null) {
      throw new InvalidRequestException(
          "datasets",
          "give dataset and additionalDatasets (provider v4) or datasets (ocean-node), not both");
    }
    if (dataset != null) {
      builder.addDataset(parseDataset(dataset, "dataset"));
      if (additional != null) {
        List<JsonNode> items = array(additional, "additionalDatasets");
        for (int i = 0; i < items.size(); i++) {
          builder.addDataset(parseDataset(items.get(i), "additionalDatasets[" + i + "]"));
        }
      }
    } else if (datasets != null) {
      if (additional != null) {
        throw new InvalidRequestException(
            "additionalDatasets",
            "goes with dataset (provider v4), not with datasets (ocean-node)");
      }
      List<JsonNode> items = array(datasets, "datasets");
      if (items.isEmpty()) {
        throw new InvalidRequestException("datasets", "must name at least one dataset");
      }
      for (int i = 0; i < items.size(); i++) {
        builder.addDataset(parseDataset(items.get(i), "datasets[" + i + "]"));
      }
    } else {
      throw new InvalidRequestException("dataset", "is missing");
    }
  }

  private static DatasetInput parseDataset(JsonNode node, String path) {
    requireObject(node, path);
    Did did =
        Did.parse(requiredText(node, "documentId", path + ".documentId"), path + ".documentId");
    String serviceId = requiredText(node, "serviceId", path + ".serviceId");
    DatasetInput.Builder builder =
        renamed(path + ".serviceId", () -> DatasetInput.builder(did, serviceId));
    String orderTx = optionalText(node, "transferTxId", path + ".transferTxId");
    if (orderTx != null) {
      renamed(path + ".transferTxId", () -> builder.orderTx(orderTx));
    }
    String userData = objectText(node, "userdata", path + ".userdata");
    if (userData != null) {
      renamed(path + ".userdata", () -> builder.userData(userData));
    }
    return builder.build();
  }

  private static Algorithm parseAlgorithm(
      JsonNode node,
      @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    requireObject(node, "algorithm");
    String documentId = optionalText(node, "documentId", "algorithm.documentId");
    JsonNode meta = optional(node, "meta");
    if (meta != null) {
      requireObject(meta, "algorithm.meta");
    }
    Algorithm.Builder builder;
    if (documentId == null) {
      if (meta == null) {
        throw new InvalidRequestException(
            "algorithm.meta",
            "is missing: a raw algorithm needs meta.rawcode and meta.container, a published one"
                + " algorithm.documentId");
      }
      String code = requiredText(meta, "rawcode", "algorithm.meta.rawcode");
      ContainerSpec container =
          parseContainer(required(meta, "container", "algorithm.meta.container"));
      builder = renamed("algorithm.meta.rawcode", () -> Algorithm.raw(container, code));
    } else {
      Did did = Did.parse(documentId, "algorithm.documentId");
      String serviceId = requiredText(node, "serviceId", "algorithm.serviceId");
      if (meta != null && optionalText(meta, "rawcode", "algorithm.meta.rawcode") != null) {
        throw new InvalidRequestException(
            "algorithm.meta.rawcode",
            "must be empty for a published algorithm (one with algorithm.documentId)");
      }
      JsonNode containerNode = meta == null ? null : optional(meta, "container");
      ContainerSpec asked = containerNode == null ? null : parseContainer(containerNode);
      ContainerSpec container = publishedContainer(did, asked, containerOfAlgorithm);
      builder =
          renamed("algorithm.serviceId", () -> Algorithm.published(did, serviceId, container));
    }
    String orderTx = optionalText(node, "transferTxId", "algorithm.transferTxId");
    if (orderTx != null) {
      renamed("algorithm.transferTxId", () -> builder.orderTx(orderTx));
    }
    String customData = objectText(node, "algocustomdata", "algorithm.algocustomdata");
    if (customData != null) {
      renamed("algorithm.algocustomdata", () -> builder.customData(customData));
    }
    JsonNode envs = optional(node, "envs");
    if (envs != null) {
      requireObject(envs, "algorithm.envs");
      for (Iterator<Map.Entry<String, JsonNode>> it = envs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> env = it.next();
        JsonNode value = env.getValue();
        if (!value.isValueNode() || value.isNull()) {
          throw new InvalidRequestException(
              "algorithm.envs." + env.getKey(), "must be a string, a number or a boolean");
        }
        builder.putEnvironment(env.getKey(), value.asText());
      }
    }
    return builder.build();
  }

  private static ContainerSpec publishedContainer(
      Did did,
      @Nullable ContainerSpec asked,
      @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    ContainerSpec published =
        containerOfAlgorithm == null
            ? null
            : requireNonNull(containerOfAlgorithm.apply(did), "containerOfAlgorithm result")
                .orElse(null);
    if (published == null) {
      if (asked == null) {
        throw new InvalidRequestException(
            "algorithm.meta.container",
            "is missing, and no container is known for the published algorithm "
                + did
                + ": the provider fills it from the algorithm's DDO");
      }
      return asked;
    }
    if (asked != null && !asked.equals(published)) {
      throw new InvalidRequestException(
          "algorithm.meta.container",
          "differs from the container published for " + did + " (" + published.reference() + ")");
    }
    return published;
  }

  private static ContainerSpec parseContainer(JsonNode node) {
    String base = "algorithm.meta.container";
    requireObject(node, base);
    String entrypoint = requiredText(node, "entrypoint", base + ".entrypoint");
    String image = requiredText(node, "image", base + ".image");
    String tag = requiredText(node, "tag", base + ".tag");
    String checksum = optionalText(node, "checksum", base + ".checksum");
    try {
      return new ContainerSpec(image, tag, checksum, entrypoint);
    } catch (InvalidRequestException e) {
      String field = e.field();
      String member =
          field.startsWith(CONTAINER_FIELD) ? field.substring(CONTAINER_FIELD.length()) : "";
      throw rename(
          e,
          member.isEmpty() ? base : base + "." + ("digest".equals(member) ? "checksum" : member));
    }
  }

  private static @Nullable Resources parseResources(@Nullable JsonNode node) {
    if (node == null) {
      return null;
    }
    List<JsonNode> items = array(node, "resources");
    if (items.isEmpty()) {
      return null;
    }
    Long milliCpus = null;
    Long memory = null;
    Long disk = null;
    Integer gpus = null;
    for (int i = 0; i < items.size(); i++) {
      String path = "resources[" + i + "]";
      JsonNode item = items.get(i);
      requireObject(item, path);
      String id = requiredText(item, "id", path + ".id").toLowerCase(Locale.ROOT);
      JsonNode amountNode = required(item, "amount", path + ".amount");
      if (!amountNode.isNumber()) {
        throw new InvalidRequestException(path + ".amount", "must be a number");
      }
      BigDecimal amount = amountNode.decimalValue();
      if (amount.signum() < 0) {
        throw new InvalidRequestException(path + ".amount", "must not be negative");
      }
      boolean seen;
      switch (id) {
        case "cpu" -> {
          seen = milliCpus != null;
          checkAtMost(amount, MAX_CPUS, path, "cores");
          milliCpus = amount.multiply(THOUSAND).setScale(0, RoundingMode.HALF_UP).longValueExact();
        }
        case "ram", "memory" -> {
          seen = memory != null;
          memory = gibToBytes(amount, path);
        }
        case "disk" -> {
          seen = disk != null;
          disk = gibToBytes(amount, path);
        }
        case "gpu" -> {
          seen = gpus != null;
          checkAtMost(amount, BigDecimal.valueOf(MAX_GPUS), path, "GPUs");
          if (amount.stripTrailingZeros().scale() > 0) {
            throw new InvalidRequestException(path + ".amount", "must be a whole number of GPUs");
          }
          gpus = amount.intValueExact();
        }
        default ->
            throw new InvalidRequestException(
                path + ".id",
                "unknown resource '" + abbreviate(id) + "'; expected cpu, ram, disk or gpu");
      }
      if (seen) {
        throw new InvalidRequestException(path + ".id", "names " + id + " a second time");
      }
    }
    if (milliCpus == null || memory == null || disk == null) {
      List<String> missing = new ArrayList<>();
      if (milliCpus == null) {
        missing.add("cpu");
      }
      if (memory == null) {
        missing.add("ram");
      }
      if (disk == null) {
        missing.add("disk");
      }
      throw new InvalidRequestException(
          "resources", "must name cpu, ram and disk; missing " + String.join(", ", missing));
    }
    long cpu = milliCpus;
    long ram = memory;
    long space = disk;
    int gpu = gpus == null ? 0 : gpus;
    return renamed("resources", () -> new Resources(cpu, ram, space, gpu));
  }

  private static long gibToBytes(BigDecimal amount, String path) {
    checkAtMost(amount, MAX_GIB, path, "GiB");
    return amount.multiply(GIB).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  private static void checkAtMost(BigDecimal amount, BigDecimal max, String path, String unit) {
    if (amount.compareTo(max) > 0) {
      throw new InvalidRequestException(
          path + ".amount", "is absurdly large: " + amount.toPlainString() + " " + unit);
    }
  }

  private static @Nullable Instant parseExpiry(JsonNode root) {
    JsonNode validUntil = optional(root, "validUntil");
    JsonNode expiresAtNode = optional(root, "expiresAt");
    Long valid = validUntil == null ? null : wholeNumber(validUntil, "validUntil");
    Long expires = expiresAtNode == null ? null : wholeNumber(expiresAtNode, "expiresAt");
    if (valid != null && expires != null && !valid.equals(expires)) {
      throw new InvalidRequestException("expiresAt", "differs from validUntil");
    }
    Long seconds = expires != null ? expires : valid;
    return seconds == null ? null : Instant.ofEpochSecond(seconds);
  }

  private static OutputOptions parseOutput(@Nullable JsonNode node) {
    if (node == null) {
      return OutputOptions.KEEP;
    }
    if (node.isTextual()) {
      throw new InvalidRequestException(
          "output",
          "ocean-node's encrypted remote output is not supported; c2d keeps results for download");
    }
    requireObject(node, "output");
    Boolean publish = optionalBoolean(node, "publishAsAsset", "output.publishAsAsset");
    String assetName = optionalText(node, "assetName", "output.assetName");
    if (publish == null && assetName == null) {
      return OutputOptions.KEEP;
    }
    return new OutputOptions(publish != null && publish, assetName);
  }

  // ---------------------------------------------------------------------------------------------
  // The derived asset's DDO

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
    requireNonNull(asset, "asset");
    requireNonNull(did, "did");
    ObjectNode ddo = MAPPER.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value());
    ddo.put("version", "4.1.0");
    ddo.put("chainId", chainId);
    ObjectNode metadata = ddo.putObject("metadata");
    String finished = asset.finishedAt().toString();
    metadata.put("created", finished);
    metadata.put("updated", finished);
    metadata.put("type", "dataset");
    metadata.put("name", asset.name());
    metadata.put("description", "The outputs of compute job " + asset.jobId() + ".");
    metadata.put("author", asset.owner().value());
    metadata.put("license", "No License Specified");
    ObjectNode provenance = metadata.putObject("additionalInformation").putObject("provenance");
    provenance.put("jobId", asset.jobId().value());
    ArrayNode inputs = provenance.putArray("inputs");
    asset.inputs().forEach(input -> inputs.add(input.value()));
    ObjectNode algorithm = provenance.putObject("algorithm");
    algorithm.put("did", asset.algorithmDid() == null ? null : asset.algorithmDid().value());
    algorithm.put("image", asset.algorithmContainer().image());
    algorithm.put("tag", asset.algorithmContainer().tag());
    algorithm.put("checksum", asset.algorithmContainer().digest());
    provenance.put("environment", asset.environmentId());
    provenance.put("finishedAt", finished);
    ArrayNode outputs = provenance.putArray("outputs");
    for (DerivedAsset.Output output : asset.outputs()) {
      outputs
          .addObject()
          .put("name", output.result().name())
          .put("size", output.result().size())
          .put("sha256", output.sha256());
    }
    ddo.putArray("services");
    return write(ddo);
  }

  // ---------------------------------------------------------------------------------------------
  // The status list

  /**
   * Writes jobs as an Ocean status list, one object per job in the given order. See the class
   * documentation for the members.
   *
   * @param jobs the jobs to list
   * @return a compact JSON array
   */
  public static String writeStatusList(List<ComputeJob> jobs) {
    ArrayNode list = MAPPER.createArrayNode();
    for (ComputeJob job : jobs) {
      ObjectNode node = list.addObject();
      node.put("agreementId", job.agreementId().orElse(""));
      node.put("jobId", job.id().value());
      node.put("owner", job.owner().value());
      node.put("status", job.statusCode());
      node.put("statusText", job.statusText());
      node.put("dateCreated", epochSeconds(job.createdAt()));
      Instant finished = job.finishedAt().orElse(job.isTerminal() ? job.updatedAt() : null);
      node.put("dateFinished", finished == null ? null : epochSeconds(finished));
      if (job.isTerminal()) {
        node.set("results", resultsArray(job.results()));
      } else {
        node.put("results", "");
      }
      node.put("stopreq", stopRequest(job.status()));
      node.put("removed", 0);
      node.put("algoDID", job.algorithmDid().map(Did::value).orElse(""));
      ArrayNode inputs = node.putArray("inputDID");
      job.inputDids().forEach(did -> inputs.add(did.value()));
      node.put("environment", job.environmentId());
      ObjectNode termination = node.putObject("terminationDetails");
      termination.put("exitCode", job.exitCode().orElse(null));
      termination.put(
          "OOMKilled", job.isTerminal() ? job.status() == JobStatus.OUT_OF_MEMORY : null);
      node.put("requestId", job.requestId());
      node.put("dateUpdated", epochSeconds(job.updatedAt()));
      node.put("detail", job.detail().orElse(null));
      node.put("resultsDid", job.derivedAssetDid().map(Did::value).orElse(null));
    }
    return write(list);
  }

  private static int stopRequest(JobStatus status) {
    return switch (status) {
      case STOPPED -> 1;
      case TIMED_OUT -> 2;
      default -> 0;
    };
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
    List<JsonNode> items = array(readTree(json), "body");
    List<ComputeJob> jobs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      jobs.add(readJob(items.get(i), "[" + i + "]"));
    }
    return List.copyOf(jobs);
  }

  private static ComputeJob readJob(JsonNode node, String path) {
    requireObject(node, path);
    JobId id =
        renamed(path + ".jobId", () -> JobId.of(requiredText(node, "jobId", path + ".jobId")));
    EthAddress owner =
        EthAddress.parse(requiredText(node, "owner", path + ".owner"), path + ".owner");
    JsonNode statusNode = required(node, "status", path + ".status");
    long code = wholeNumber(statusNode, path + ".status");
    JobStatus status =
        JobStatus.ofCode((int) Math.min(code, Integer.MAX_VALUE))
            .orElseThrow(
                () -> new InvalidRequestException(path + ".status", "unknown status code " + code));
    JsonNode stopNode = optional(node, "stopreq");
    long stopreq = stopNode == null ? 0 : wholeNumber(stopNode, path + ".stopreq");
    if (status == JobStatus.COMPLETED && stopreq == 1) {
      status = JobStatus.STOPPED;
    } else if (status == JobStatus.COMPLETED && stopreq == 2) {
      status = JobStatus.TIMED_OUT;
    }
    Instant created =
        date(required(node, "dateCreated", path + ".dateCreated"), path + ".dateCreated");
    JsonNode finishedNode = optional(node, "dateFinished");
    Instant finished =
        finishedNode == null || isBlankText(finishedNode)
            ? null
            : date(finishedNode, path + ".dateFinished");
    JsonNode updatedNode = optional(node, "dateUpdated");
    Instant updated =
        updatedNode == null || isBlankText(updatedNode)
            ? (finished != null ? finished : created)
            : date(updatedNode, path + ".dateUpdated");

    JsonNode resultsNode = optional(node, "results");
    List<JobResult> results =
        resultsNode == null || isBlankText(resultsNode)
            ? List.of()
            : readResults(resultsNode, path + ".results");

    List<Did> inputs = new ArrayList<>();
    JsonNode inputNode = optional(node, "inputDID");
    if (inputNode != null) {
      List<JsonNode> dids = array(inputNode, path + ".inputDID");
      for (int i = 0; i < dids.size(); i++) {
        String field = path + ".inputDID[" + i + "]";
        inputs.add(Did.parse(text(dids.get(i), field), field));
      }
    }
    String algoDid = optionalText(node, "algoDID", path + ".algoDID");
    String resultsDid = optionalText(node, "resultsDid", path + ".resultsDid");
    String agreementId = optionalText(node, "agreementId", path + ".agreementId");
    String environment = optionalText(node, "environment", path + ".environment");
    String requestId = optionalText(node, "requestId", path + ".requestId");
    String detail = optionalText(node, "detail", path + ".detail");

    Integer exitCode = null;
    JsonNode termination = optional(node, "terminationDetails");
    if (termination != null) {
      requireObject(termination, path + ".terminationDetails");
      JsonNode exit = optional(termination, "exitCode");
      if (exit != null) {
        String field = path + ".terminationDetails.exitCode";
        if (!exit.isIntegralNumber() || !exit.canConvertToInt()) {
          throw new InvalidRequestException(field, "must be a whole number");
        }
        exitCode = exit.intValue();
      }
    }

    return ComputeJob.builder(id, owner)
        .requestId(requestId == null ? "" : requestId)
        .agreementId(agreementId)
        .inputDids(inputs)
        .algorithmDid(algoDid == null ? null : Did.parse(algoDid, path + ".algoDID"))
        .environmentId(environment == null ? "" : environment)
        .status(status)
        .detail(detail)
        .exitCode(exitCode)
        .createdAt(created)
        .updatedAt(updated)
        .finishedAt(finished)
        .results(results)
        .derivedAssetDid(resultsDid == null ? null : Did.parse(resultsDid, path + ".resultsDid"))
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // The results list

  /**
   * Writes results as an Ocean results list, {@code [{"filename", "filesize", "type", "index"}]},
   * in the given order.
   *
   * @param results the results to list
   * @return a compact JSON array
   */
  public static String writeResultsList(List<JobResult> results) {
    return write(resultsArray(results));
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
    return readResults(readTree(json), "body");
  }

  private static ArrayNode resultsArray(List<JobResult> results) {
    ArrayNode list = MAPPER.createArrayNode();
    for (JobResult result : results) {
      ObjectNode node = list.addObject();
      node.put("filename", result.name());
      node.put("filesize", result.size());
      node.put("type", result.kind().oceanType());
      node.put("index", result.index());
    }
    return list;
  }

  private static List<JobResult> readResults(JsonNode node, String path) {
    List<JsonNode> items = array(node, path);
    String prefix = "body".equals(path) ? "" : path;
    List<JobResult> results = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String item = prefix + "[" + i + "]";
      JsonNode entry = items.get(i);
      requireObject(entry, item);
      String name = requiredText(entry, "filename", item + ".filename");
      renamed(item + ".filename", () -> JobResult.checkName(name));
      long size = wholeNumber(required(entry, "filesize", item + ".filesize"), item + ".filesize");
      String type = requiredText(entry, "type", item + ".type");
      ResultKind kind =
          ResultKind.ofOceanType(type)
              .orElseThrow(
                  () ->
                      new InvalidRequestException(
                          item + ".type", "unknown result type '" + abbreviate(type) + "'"));
      long index = wholeNumber(required(entry, "index", item + ".index"), item + ".index");
      if (index > Integer.MAX_VALUE) {
        throw new InvalidRequestException(item + ".index", "is too large");
      }
      results.add(new JobResult(name, kind, size, (int) index));
    }
    return List.copyOf(results);
  }

  // ---------------------------------------------------------------------------------------------
  // The environments listing

  /**
   * Writes compute environments as a listing in the spirit of ocean-node's {@code
   * computeEnvironments}. See the class documentation for the members.
   *
   * @param environments the environments to list
   * @return a compact JSON array
   */
  public static String writeEnvironments(List<ComputeEnvironment> environments) {
    ArrayNode list = MAPPER.createArrayNode();
    for (ComputeEnvironment env : environments) {
      ObjectNode node = list.addObject();
      node.put("id", env.id());
      node.put("description", env.description());
      ArrayNode resources = node.putArray("resources");
      boolean gpus = env.capacity().gpus() > 0;
      for (String id : resourceIds(gpus)) {
        ObjectNode resource = resources.addObject();
        resource.put("id", id);
        resource.put("total", amount(env.capacity(), id));
        resource.put("max", amount(env.maxPerJob(), id));
        resource.put("min", 0);
        resource.put("default", amount(env.defaultPerJob(), id));
      }
      node.put("maxJobDuration", env.maxDuration().toSeconds());
      node.put("maxJobs", env.maxConcurrentJobs());
      node.put("maxJobsPerConsumer", env.maxJobsPerConsumer());
      node.put("queueCapacity", env.queueCapacity());
      if (env.isFree()) {
        ObjectNode free = node.putObject("free");
        free.put("maxJobDuration", env.maxDuration().toSeconds());
        free.put("maxJobs", env.maxConcurrentJobs());
        ArrayNode freeResources = free.putArray("resources");
        for (String id : resourceIds(gpus)) {
          ObjectNode resource = freeResources.addObject();
          resource.put("id", id);
          resource.put("max", amount(env.maxPerJob(), id));
        }
      }
    }
    return write(list);
  }

  private static List<String> resourceIds(boolean gpus) {
    return gpus ? List.of("cpu", "ram", "disk", "gpu") : List.of("cpu", "ram", "disk");
  }

  private static BigDecimal amount(Resources resources, String id) {
    BigDecimal value =
        switch (id) {
          case "cpu" -> BigDecimal.valueOf(resources.milliCpus()).divide(THOUSAND);
          case "ram" -> BigDecimal.valueOf(resources.memoryBytes()).divide(GIB);
          case "disk" -> BigDecimal.valueOf(resources.diskBytes()).divide(GIB);
          case "gpu" -> BigDecimal.valueOf(resources.gpus());
          default -> throw new IllegalArgumentException(id);
        };
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static JsonNode readTree(String json) {
    requireNonNull(json, "json");
    if (json.length() > MAX_BODY_CHARS) {
      throw new InvalidRequestException("body", "is longer than " + MAX_BODY_CHARS + " characters");
    }
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new InvalidRequestException("body", "is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          io.c2d.ErrorCode.INVALID_REQUEST,
          "body",
          "is not valid JSON: " + abbreviate(e.getOriginalMessage()),
          e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree cannot be written", e);
    }
  }

  /** The member {@code name} of {@code object}, or null when it is missing or JSON null. */
  private static @Nullable JsonNode optional(JsonNode object, String name) {
    JsonNode value = object.get(name);
    return value == null || value.isNull() ? null : value;
  }

  private static JsonNode required(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      throw new InvalidRequestException(field, "is missing");
    }
    return value;
  }

  private static void requireObject(JsonNode node, String field) {
    if (!node.isObject()) {
      throw new InvalidRequestException(field, "must be a JSON object");
    }
  }

  private static List<JsonNode> array(JsonNode node, String field) {
    if (!node.isArray()) {
      throw new InvalidRequestException(field, "must be a JSON array");
    }
    List<JsonNode> items = new ArrayList<>(node.size());
    node.forEach(items::add);
    return items;
  }

  private static String text(JsonNode node, String field) {
    if (!node.isTextual()) {
      throw new InvalidRequestException(field, "must be a string");
    }
    return node.textValue();
  }

  private static String requiredText(JsonNode object, String name, String field) {
    return text(required(object, name, field), field);
  }

  /** A string member; missing, null and {@code ""} are all absent. */
  private static @Nullable String optionalText(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    String text = text(value, field);
    return text.isEmpty() ? null : text;
  }

  private static @Nullable Boolean optionalBoolean(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new InvalidRequestException(field, "must be true or false");
    }
    return value.booleanValue();
  }

  /** A member holding a JSON object, or a string of one, as compact JSON text; null if absent. */
  private static @Nullable String objectText(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    if (value.isObject()) {
      return write(value);
    }
    if (value.isTextual()) {
      return value.textValue().isEmpty() ? null : value.textValue();
    }
    throw new InvalidRequestException(field, "must be a JSON object");
  }

  private static boolean isBlankText(JsonNode node) {
    return node.isTextual() && node.textValue().isBlank();
  }

  /** A whole number at least 0, given as a JSON number or a string of decimal digits. */
  private static long wholeNumber(JsonNode node, String field) {
    BigInteger value;
    if (node.isIntegralNumber()) {
      value = node.bigIntegerValue();
    } else if (node.isTextual() && node.textValue().matches("[0-9]{1,19}")) {
      value = new BigInteger(node.textValue());
    } else {
      throw new InvalidRequestException(field, "must be a whole number");
    }
    if (value.signum() < 0) {
      throw new InvalidRequestException(field, "must not be negative");
    }
    if (value.bitLength() > 63) {
      throw new InvalidRequestException(field, "is too large");
    }
    return value.longValue();
  }

  /** Epoch seconds to the millisecond, trailing zeros dropped, as Ocean writes dates. */
  private static String epochSeconds(Instant instant) {
    BigDecimal seconds = BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros();
    return seconds.toPlainString();
  }

  /** An Ocean date: epoch seconds with any decimals, as a string or a JSON number. */
  private static Instant date(JsonNode node, String field) {
    BigDecimal seconds;
    try {
      if (node.isNumber()) {
        seconds = node.decimalValue();
      } else if (node.isTextual() && node.textValue().matches("-?[0-9]{1,12}(\\.[0-9]{1,9})?")) {
        seconds = new BigDecimal(node.textValue());
      } else {
        throw new InvalidRequestException(field, "must be epoch seconds");
      }
      BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
      long nanos =
          seconds
              .subtract(whole)
              .movePointRight(9)
              .setScale(0, RoundingMode.FLOOR)
              .longValueExact();
      return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    } catch (ArithmeticException | DateTimeException e) {
      throw new InvalidRequestException(
          io.c2d.ErrorCode.INVALID_REQUEST, field, "is not a representable date", e);
    }
  }

  /** Runs a model call, renaming the field of what it refuses to {@code field}. */
  private static <T> T renamed(String field, Supplier<T> call) {
    try {
      return call.get();
    } catch (InvalidRequestException e) {
      throw rename(e, field);
    }
  }

  private static InvalidRequestException rename(InvalidRequestException e, String field) {
    if (e.field().equals(field)) {
      return e;
    }
    String message = requireNonNull(e.getMessage(), "message");
    String prefix = e.field() + ": ";
    String reason = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    return new InvalidRequestException(e.code(), field, reason, e);
  }

  private static String abbreviate(@Nullable String value) {
    if (value == null) {
      return "";
    }
    String shown = value.length() <= 80 ? value : value.substring(0, 80) + "...";
    StringBuilder safe = new StringBuilder(shown.length());
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      safe.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return safe.toString();
  }
}
