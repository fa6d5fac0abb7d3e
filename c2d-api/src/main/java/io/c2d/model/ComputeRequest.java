package io.c2d.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import io.c2d.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A consumer's request to run an algorithm on one or more datasets (DESIGN step 1): who asks, with
 * which agreement or orders, on which inputs, which algorithm, in which environment, with which
 * resources and duration, what to do with the outputs, and the consumer's signature over it all.
 *
 * <p>Building validates every field and refuses bad input with an {@link InvalidRequestException}
 * naming the field; a built request is well-formed but not yet authenticated or authorised, which
 * the engine does.
 *
 * <h2>What the consumer signs</h2>
 *
 * The consumer signs, with EIP-191 {@code personal_sign}, the UTF-8 bytes of {@link
 * #signingMessage(long, EthAddress)}: a short text that binds the chain id, the provider's address,
 * the command, the SHA-256 of the request's canonical body ({@link #bodySha256()}), the nonce and
 * the expiry, so that a signature cannot be replayed against another provider, chain or command.
 * File locators and DDOs, which the provider fills in, are not signed.
 *
 * <h2>Ocean's signed format</h2>
 *
 * A request built with {@link Builder#oceanSignature(OceanSignature, String)} instead carries
 * Ocean's signature (ocean.js 8.x, ocean-node): over {@code consumerAddress + nonce + command}
 * only, with the commands {@value OceanSignature#START_COMPUTE} and {@value
 * OceanSignature#FREE_START_COMPUTE}. It binds neither chain, provider, body nor expiry (see {@link
 * OceanSignature}); it has no {@link #expiresAt()}, and its nonce is a per-consumer counter that
 * the engine advances before anything else is looked at, so a replayed start is refused even when
 * its body is the same (c2d's own format answers that retry with the job it started). Its default
 * {@link #requestId()} is {@code "ocean:" + nonce}, a new job per accepted signature; a request id
 * set explicitly keeps its idempotency across retries that are each signed with a fresh nonce.
 *
 * <h2>Free requests</h2>
 *
 * A request marked {@link Builder#free(boolean) free} (implied by {@value
 * OceanSignature#FREE_START_COMPUTE}) needs no agreement or order: the engine skips the agreement
 * verifier, but only on an environment with {@link ComputeEnvironment#freeLimits() free limits},
 * and only within them. c2d's format signs the flag ({@code "free":true} in the body).
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()}.
 */
public final class ComputeRequest {
  /** The command name bound into the signed message of a start. */
  public static final String START_COMMAND = "compute.start";

  private static final int MAX_DATASETS = 32;
  private static final Pattern NONCE = Pattern.compile("[0-9]{1,78}");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-fA-F]{130}");

  private final @Nullable String requestId;
  private final EthAddress consumer;
  private final @Nullable String agreementId;
  private final List<DatasetInput> datasets;
  private final Algorithm algorithm;
  private final String environmentId;
  private final @Nullable Resources resources;
  private final @Nullable Duration maxDuration;
  private final boolean networkAccess;
  private final OutputOptions output;
  private final String nonce;
  private final String signature;
  private final @Nullable Instant expiresAt;
  private final @Nullable OceanSignature oceanSignature;
  private final @Nullable String oceanCommand;
  private final boolean free;

  /** Computed once: a request never changes, and the engine and signers both ask. */
  private volatile @Nullable String bodySha256;

  private ComputeRequest(Builder b) {
    this.oceanSignature = b.oceanSignature;
    this.oceanCommand = b.oceanCommand;
    this.free = b.free;
    if (OceanSignature.FREE_START_COMPUTE.equals(oceanCommand) && !free) {
      throw new InvalidRequestException(
          "free", "a request signed with freeStartCompute is free; do not unset free");
    }
    if (OceanSignature.START_COMPUTE.equals(oceanCommand) && free) {
      throw new InvalidRequestException(
          "free", "a request signed with startCompute is a paid start; sign freeStartCompute");
    }
    if (oceanSignature != null) {
      if (b.expiresAt != null) {
        throw new InvalidRequestException(
            "expiresAt", "is not part of Ocean's signed format; leave it unset");
      }
      this.consumer = oceanSignature.consumer();
      this.nonce = oceanSignature.nonce();
      this.signature = oceanSignature.signature();
      this.expiresAt = null;
    } else {
      this.consumer = required(b.consumer, "consumer");
      this.nonce = required(b.nonce, "nonce");
      this.signature = required(b.signature, "signature");
      this.expiresAt = required(b.expiresAt, "expiresAt");
    }
    this.algorithm = required(b.algorithm, "algorithm");
    this.environmentId = required(b.environmentId, "environment");
    if (b.datasets.isEmpty()) {
      throw new InvalidRequestException("datasets", "at least one input dataset is required");
    }
    Set<Did> seen = new HashSet<>();
    for (int i = 0; i < b.datasets.size(); i++) {
      if (!seen.add(b.datasets.get(i).did())) {
        throw new InvalidRequestException(
            "datasets[" + i + "].did", "names the same dataset twice: " + b.datasets.get(i).did());
      }
    }
    this.datasets = List.copyOf(b.datasets);
    this.requestId = b.requestId;
    this.agreementId = b.agreementId;
    this.resources = b.resources;
    this.maxDuration = b.maxDuration;
    this.networkAccess = b.networkAccess;
    this.output = b.output;
    if (!free && agreementId == null && datasets.stream().anyMatch(d -> d.orderTx().isEmpty())) {
      throw new InvalidRequestException(
          "agreementId", "is required unless every dataset names its order (transferTxId)");
    }
  }

  private static <T> T required(@Nullable T value, String field) {
    if (value == null) {
      throw new InvalidRequestException(field, "is missing");
    }
    return value;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The idempotency key of this request: the one the consumer gave, else {@code "nonce:" + nonce}
   * ({@code "ocean:" + nonce} for Ocean's format, whose nonces are counted apart). Two starts with
   * the same owner and request id are one job.
   */
  public String requestId() {
    if (requestId != null) {
      return requestId;
    }
    return (oceanSignature != null ? "ocean:" : "nonce:") + nonce;
  }

  /** The consumer: the signer, and the owner of the job. */
  public EthAddress consumer() {
    return consumer;
  }

  /** The service agreement id (Keeper), {@code 0x} and 64 hex digits, if the request has one. */
  public Optional<String> agreementId() {
    return Optional.ofNullable(agreementId);
  }

  /** The input datasets, at least one, in order; unmodifiable. */
  public List<DatasetInput> datasets() {
    return datasets;
  }

  /** The algorithm. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** The compute environment's id. */
  public String environmentId() {
    return environmentId;
  }

  /** The resources asked for; empty takes the environment's default. */
  public Optional<Resources> resources() {
    return Optional.ofNullable(resources);
  }

  /** The longest the algorithm may run; empty takes the environment's maximum. */
  public Optional<Duration> maxDuration() {
    return Optional.ofNullable(maxDuration);
  }

  /** Whether the algorithm asks for network access; the assets' policies must allow it. */
  public boolean networkAccess() {
    return networkAccess;
  }

  /** What to do with the outputs. */
  public OutputOptions output() {
    return output;
  }

  /**
   * The nonce: a decimal number used once per consumer, or, in Ocean's format, the consumer's
   * counter value.
   */
  public String nonce() {
    return nonce;
  }

  /** The consumer's signature, {@code 0x} and 130 hex digits (in either format). */
  public String signature() {
    return signature;
  }

  /** When the signature stops being valid; empty in Ocean's format, which has no expiry. */
  public Optional<Instant> expiresAt() {
    return Optional.ofNullable(expiresAt);
  }

  /** Ocean's signature, if the request is in Ocean's signed format. */
  public Optional<OceanSignature> oceanSignature() {
    return Optional.ofNullable(oceanSignature);
  }

  /**
   * The Ocean command signed ({@value OceanSignature#START_COMPUTE} or {@value
   * OceanSignature#FREE_START_COMPUTE}), if the request is in Ocean's signed format.
   */
  public Optional<String> oceanCommand() {
    return Optional.ofNullable(oceanCommand);
  }

  /** Whether the request asks for free compute (no agreement or order, within free limits). */
  public boolean isFree() {
    return free;
  }

  /**
   * The SHA-256, in hex, of the request's canonical body: a compact JSON object of every field the
   * consumer signs, in a fixed order (see the README's signing section).
   */
  public String bodySha256() {
    String digest = bodySha256;
    if (digest == null) {
      MessageDigest sha256 = Sha256.newDigest();
      try (JsonGenerator body = Json.MAPPER.getFactory().createGenerator(Sha256.into(sha256))) {
        writeCanonicalBody(body);
      } catch (IOException e) {
        throw new IllegalStateException("canonical body cannot be written", e);
      }
      digest = HexFormat.of().formatHex(sha256.digest());
      bodySha256 = digest;
    }
    return digest;
  }

  /**
   * The exact text the consumer signs with EIP-191 {@code personal_sign}, as UTF-8 bytes, for a
   * provider at {@code provider} on chain {@code chainId} (c2d's own format).
   *
   * @throws IllegalStateException if the request is in Ocean's format, which signs {@link
   *     OceanSignature#message(String)} instead
   */
  public byte[] signingMessage(long chainId, EthAddress provider) {
    if (expiresAt == null) {
      throw new IllegalStateException("an Ocean-format request is signed over its Ocean message");
    }
    return signingMessage(
        chainId, provider, START_COMMAND, bodySha256(), nonce, expiresAt.getEpochSecond());
  }

  /** The signed text of any command; the engine and signing clients share this one definition. */
  public static byte[] signingMessage(
      long chainId,
      EthAddress provider,
      String command,
      String bodySha256,
      String nonce,
      long expiresEpochSecond) {
    String text =
        "c2d signed request\nversion: 1\nchain-id: "
            + chainId
            + "\nprovider: "
            + provider.value()
            + "\ncommand: "
            + command
            + "\nbody-sha256: "
            + bodySha256
            + "\nnonce: "
            + nonce
            + "\nexpires: "
            + expiresEpochSecond;
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes the signed fields in a fixed order; signing clients must write the same bytes. */
  private void writeCanonicalBody(JsonGenerator body) throws IOException {
    body.writeStartObject();
    body.writeStringField("requestId", requestId);
    body.writeStringField("consumer", consumer.value());
    body.writeStringField("agreementId", agreementId);
    body.writeArrayFieldStart("datasets");
    for (DatasetInput dataset : datasets) {
      body.writeStartObject();
      body.writeStringField("did", dataset.did().value());
      body.writeStringField("serviceId", dataset.serviceId());
      body.writeStringField("transferTxId", dataset.orderTx().orElse(null));
      body.writeStringField("userdata", dataset.userData().orElse(null));
      body.writeEndObject();
    }
    body.writeEndArray();
    body.writeObjectFieldStart("algorithm");
    body.writeStringField("did", algorithm.did().map(Did::value).orElse(null));
    body.writeStringField("serviceId", algorithm.serviceId().orElse(null));
    body.writeStringField("transferTxId", algorithm.orderTx().orElse(null));
    ContainerSpec container = algorithm.container();
    body.writeStringField("image", container.image());
    body.writeStringField("tag", container.tag());
    body.writeStringField("digest", container.digest());
    body.writeStringField("entrypoint", container.entrypoint());
    body.writeStringField("rawcode", algorithm.rawCode().orElse(null));
    body.writeObjectFieldStart("envs");
    for (Map.Entry<String, String> env : new TreeMap<>(algorithm.environment()).entrySet()) {
      body.writeStringField(env.getKey(), env.getValue());
    }
    body.writeEndObject();
    body.writeStringField("algocustomdata", algorithm.customData());
    body.writeEndObject();
    body.writeStringField("environment", environmentId);
    if (resources != null) {
      body.writeObjectFieldStart("resources");
      body.writeNumberField("milliCpus", resources.milliCpus());
      body.writeNumberField("memoryBytes", resources.memoryBytes());
      body.writeNumberField("diskBytes", resources.diskBytes());
      body.writeNumberField("gpus", resources.gpus());
      body.writeEndObject();
    }
    if (maxDuration != null) {
      body.writeNumberField("maxDurationSeconds", maxDuration.toSeconds());
    }
    body.writeBooleanField("networkAccess", networkAccess);
    body.writeBooleanField("publishAsAsset", output.publishAsAsset());
    body.writeStringField("assetName", output.assetName());
    if (free) {
      // Only when set, so that the bodies (and signatures) of paid requests stay as they were.
      body.writeBooleanField("free", true);
    }
    body.writeEndObject();
  }

  @Override
  public String toString() {
    return "ComputeRequest{consumer="
        + consumer
        + ", requestId="
        + requestId()
        + ", environment="
        + environmentId
        + ", datasets="
        + datasets.size()
        + ", algorithm="
        + algorithm
        + '}';
  }

  /** Builds a {@link ComputeRequest}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private @Nullable String requestId;
    private @Nullable EthAddress consumer;
    private @Nullable String agreementId;
    private final List<DatasetInput> datasets = new ArrayList<>();
    private @Nullable Algorithm algorithm;
    private @Nullable String environmentId;
    private @Nullable Resources resources;
    private @Nullable Duration maxDuration;
    private boolean networkAccess;
    private OutputOptions output = OutputOptions.KEEP;
    private @Nullable String nonce;
    private @Nullable String signature;
    private @Nullable Instant expiresAt;
    private @Nullable OceanSignature oceanSignature;
    private @Nullable String oceanCommand;
    private boolean free;

    private Builder() {}

    /** An idempotency key of 1 to 128 letters, digits or {@code ._:-}; default from the nonce. */
    public Builder requestId(String requestId) {
      if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
        throw new InvalidRequestException(
            "requestId", "must be 1 to 128 letters, digits or ._:- characters");
      }
      this.requestId = requestId;
      return this;
    }

    /** The consumer's address. */
    public Builder consumer(EthAddress consumer) {
      this.consumer = requireNonNull(consumer, "consumer");
      return this;
    }

    /** The consumer's address, parsed. */
    public Builder consumer(String consumer) {
      this.consumer = EthAddress.parse(consumer, "consumer");
      return this;
    }

    /** The Keeper service agreement id, {@code 0x} and 64 hex digits. */
    public Builder agreementId(String agreementId) {
      this.agreementId = TxHash.check(agreementId, "agreementId");
      return this;
    }

    /** Adds an input dataset. */
    public Builder addDataset(DatasetInput dataset) {
      requireNonNull(dataset, "dataset");
      if (datasets.size() == MAX_DATASETS) {
        throw new InvalidRequestException("datasets", "at most " + MAX_DATASETS + " datasets");
      }
      datasets.add(dataset);
      return this;
    }

    /** Replaces the dataset at {@code index}, such as after the provider resolved its files. */
    public Builder setDataset(int index, DatasetInput dataset) {
      datasets.set(index, requireNonNull(dataset, "dataset"));
      return this;
    }

    /** The datasets added so far; unmodifiable. */
    public List<DatasetInput> datasets() {
      return List.copyOf(datasets);
    }

    /** The algorithm. */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = requireNonNull(algorithm, "algorithm");
      return this;
    }

    /** The algorithm set so far, if any. */
    public Optional<Algorithm> algorithm() {
      return Optional.ofNullable(algorithm);
    }

    /** The compute environment's id. */
    public Builder environment(String environmentId) {
      this.environmentId = Text.requireText(environmentId, "environment", 255);
      return this;
    }

    /** The resources to run with. */
    public Builder resources(Resources resources) {
      this.resources = requireNonNull(resources, "resources");
      return this;
    }

    /** The longest the algorithm may run, between 1 second and 31 days. */
    public Builder maxDuration(Duration maxDuration) {
      requireNonNull(maxDuration, "maxDuration");
      if (maxDuration.compareTo(Duration.ofSeconds(1)) < 0
          || maxDuration.compareTo(Duration.ofDays(31)) > 0) {
        throw new InvalidRequestException(
            "maxJobDuration", "must be between 1 second and 31 days but was " + maxDuration);
      }
      this.maxDuration = maxDuration;
      return this;
    }

    /** Asks for network access for the algorithm; default none. */
    public Builder networkAccess(boolean networkAccess) {
      this.networkAccess = networkAccess;
      return this;
    }

    /** What to do with the outputs; default {@link OutputOptions#KEEP}. */
    public Builder output(OutputOptions output) {
      this.output = requireNonNull(output, "output");
      return this;
    }

    /** The nonce: a decimal number of at most 78 digits, used once. */
    public Builder nonce(String nonce) {
      if (nonce == null || !NONCE.matcher(nonce).matches()) {
        throw new InvalidRequestException("nonce", "must be a decimal number of 1 to 78 digits");
      }
      this.nonce = nonce;
      return this;
    }

    /** When the signature expires. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = requireNonNull(expiresAt, "expiresAt");
      return this;
    }

    /** The consumer's signature, {@code 0x} and 130 hex digits. */
    public Builder signature(String signature) {
      if (signature == null || !SIGNATURE.matcher(signature).matches()) {
        throw new InvalidRequestException(
            io.c2d.ErrorCode.INVALID_REQUEST,
            "signature",
            "expected 0x and 130 hex digits (65 bytes r || s || v)",
            null);
      }
      this.signature = signature;
      return this;
    }

    /**
     * Signs the request in Ocean's format instead of c2d's: the consumer, nonce and signature come
     * from {@code signature}, and there is no expiry ({@link #expiresAt(Instant)} must stay unset).
     * The command {@value OceanSignature#FREE_START_COMPUTE} also marks the request {@link
     * #free(boolean) free}.
     *
     * @param command {@value OceanSignature#START_COMPUTE} or {@value
     *     OceanSignature#FREE_START_COMPUTE}, the command the consumer signed
     * @throws IllegalArgumentException if {@code command} is another one
     */
    public Builder oceanSignature(OceanSignature signature, String command) {
      requireNonNull(signature, "signature");
      requireNonNull(command, "command");
      if (!command.equals(OceanSignature.START_COMPUTE)
          && !command.equals(OceanSignature.FREE_START_COMPUTE)) {
        throw new IllegalArgumentException(
            "a start is signed with command "
                + OceanSignature.START_COMPUTE
                + " or "
                + OceanSignature.FREE_START_COMPUTE
                + ", not "
                + command);
      }
      this.oceanSignature = signature;
      this.oceanCommand = command;
      this.consumer = signature.consumer();
      if (command.equals(OceanSignature.FREE_START_COMPUTE)) {
        this.free = true;
      }
      return this;
    }

    /**
     * Asks for free compute: no agreement or order is needed or checked, and the environment must
     * offer {@link ComputeEnvironment#freeLimits() free limits}, which the job must keep to.
     * Default false; {@link #oceanSignature} with {@value OceanSignature#FREE_START_COMPUTE} sets
     * it (and a later {@code free(false)} is refused at {@link #build()}).
     */
    public Builder free(boolean free) {
      this.free = free;
      return this;
    }

    /**
     * Builds a request without its signature, to compute what to sign: {@link #signingMessage(long,
     * EthAddress)} of the result is what the consumer signs; then set {@link #signature(String)}
     * and {@link #build()}.
     */
    public ComputeRequest buildUnsigned() {
      String saved = signature;
      signature = "0x" + "0".repeat(130);
      try {
        return new ComputeRequest(this);
      } finally {
        signature = saved;
      }
    }

    /**
     * Builds the request.
     *
     * @throws InvalidRequestException naming the first field that is missing or wrong
     */
    public ComputeRequest build() {
      return new ComputeRequest(this);
    }
  }
}
